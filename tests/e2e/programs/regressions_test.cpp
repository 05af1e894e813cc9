// A user's test program whose exploration finds a planted bug, run as a child process by the
// end-to-end tests of stored regressions. PLANTED_BUG_FIXED in the environment fixes the bug,
// as a later commit of the user's code would.
#include <faultline/gtest.hpp>

#include <cstdlib>

#include "planted_bugs.hpp"

namespace {

// Fails until fixed: a failed put of the last chunk is not retried. One put fails at most, so
// the fixed uploader, which retries once, always survives.
FAULTLINE_TEST(Upload, SurvivesOneFailedPut,
               faultline::Exception("put-fails")
                   .Target("Storage::Put")
                   .Probability(0.3)
                   .MaxTriggers(1)) {
  const bool buggy = std::getenv("PLANTED_BUG_FIXED") == nullptr;
  Explore([&] { planted::Uploader(Injector(), buggy).Upload(5); });
}

// Passes: explores nothing that fails, so it stores nothing.
FAULTLINE_TEST(Upload, FixedUploaderSurvivesOneFailedPut,
               faultline::Exception("put-fails")
                   .Target("Storage::Put")
                   .Probability(0.3)
                   .MaxTriggers(1)) {
  Explore([&] { planted::Uploader(Injector(), false).Upload(5); });
}

}  // namespace
