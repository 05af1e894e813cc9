// faultline::catch2_main: Catch2's command line with faultline's options, then every test case.
// With Catch2 v2 this file also holds Catch2's implementation (CATCH_CONFIG_RUNNER).
#define CATCH_CONFIG_RUNNER
#include "faultline/catch2.hpp"

// Exported: in a shared build the program's entry point is found in this library.
FAULTLINE_API int main(int argc, char** argv) {
#if CATCH_VERSION_MAJOR < 3
  const std::vector<int> before = faultline::internal::OpenDescriptors();
#endif
  ::Catch::Session session;
  faultline::catch2::AddCommandLineOptions(session);
  if (const int status = session.applyCommandLine(argc, argv)) return status;
#if CATCH_VERSION_MAJOR < 3
  // Catch2 v2 opens the reporters' output file (-o) with the configuration: never faulted.
  // (v3 opens it in run(), where faultline's listener marks it.)
  static_cast<void>(session.config());
  faultline::internal::MarkFrameworkDescriptors(before);
#endif
  const int status = session.run();
  // A run that an exception ended skipped the listener's test end: no rule of that test may
  // fire in the static destructors that run after main.
  faultline::internal::Session::Disarm();
  return status;
}
