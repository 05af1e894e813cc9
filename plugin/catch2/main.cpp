// faultline::catch2_main: Catch2's command line with faultline's options, then every test case.
// With Catch2 v2 this file also holds Catch2's implementation (CATCH_CONFIG_RUNNER).
#define CATCH_CONFIG_RUNNER
#include "faultline/catch2.hpp"

int main(int argc, char** argv) {
  const std::vector<int> before = faultline::internal::OpenDescriptors();
  ::Catch::Session session;
  faultline::catch2::AddCommandLineOptions(session);
  if (const int status = session.applyCommandLine(argc, argv)) return status;
  // The reporters' output file (-o) is open once the configuration exists: never faulted.
  static_cast<void>(session.config());
  faultline::internal::MarkFrameworkDescriptors(before);
  const int status = session.run();
  // A run that an exception ended skipped the listener's test end: no rule of that test may
  // fire in the static destructors that run after main.
  faultline::internal::Session::Disarm();
  return status;
}
