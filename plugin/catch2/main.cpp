// faultline::catch2_main: Catch2's command line with faultline's options, then every test case.
// With Catch2 v2 this file also holds Catch2's implementation (CATCH_CONFIG_RUNNER).
#define CATCH_CONFIG_RUNNER
#include "faultline/catch2.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace {

// Catch2's exit status for a command line it rejects.
#if CATCH_VERSION_MAJOR >= 3
constexpr int kBadCommandLine = 1;
#else
constexpr int kBadCommandLine = 255;
#endif

// The first of `argv` spelled as GoogleTest programs spell faultline's flags (a replay line of
// one has them), with a hint: Catch2 would only call it an unrecognised token. "" when none.
std::string GoogleTestSpelling(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--faultline_", 0) != 0) continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::string dashed = name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    return "faultline: unknown option " + name +
           ": Catch2 programs spell faultline's options with dashes, did you mean " + dashed +
           "? (see --help)";
  }
  return "";
}

}  // namespace

// Exported: in a shared build the program's entry point is found in this library.
FAULTLINE_API int main(int argc, char** argv) {
  if (const std::string error = GoogleTestSpelling(argc, argv); !error.empty()) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return kBadCommandLine;
  }
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
