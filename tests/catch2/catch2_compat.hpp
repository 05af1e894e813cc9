// Catch2 v2.13 and v3 under one spelling for the Catch2 tests: the header, the substring
// matcher, the exit status of a run with failed assertions and the end of an XML report. A
// driver that wants Catch2's own main links it (see CMakeLists.txt).
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <string>

namespace faultline::testing {

#if CATCH_VERSION_MAJOR >= 3
// Matches a string containing `part` (v3 renamed Contains to ContainsSubstring).
inline auto Contains(const std::string& part) { return ::Catch::Matchers::ContainsSubstring(part); }

// The exit status of a run in which `failed` assertions failed: v3 always exits 42.
constexpr int FailedRunStatus(int /*failed*/) { return 42; }

// The last line of the XML reporter's output.
constexpr const char* kXmlReportEnd = "</Catch2TestRun>\n";
#else
using ::Catch::Matchers::Contains;

// The exit status of a run in which `failed` assertions failed: v2 exits with their count.
constexpr int FailedRunStatus(int failed) { return failed; }

// The last line of the XML reporter's output.
constexpr const char* kXmlReportEnd = "</Catch>\n";
#endif

}  // namespace faultline::testing
