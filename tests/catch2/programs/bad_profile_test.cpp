// A test case tagged with a profile nobody defined: start-up must fail and name it.
#include <faultline/catch2.hpp>

FAULTLINE_PROFILE("flaky-network", faultline::Exception("net").Target("net.*"))

TEST_CASE("bad: uses a typo'd profile", "[faultline:flaky-netwrok]") { CHECK(true); }

TEST_CASE("bad: fine on its own") { CHECK(true); }
