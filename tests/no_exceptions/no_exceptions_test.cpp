// The public headers in a translation unit built with -fno-rtti -fno-exceptions: exception and
// timeout rules become error values, never an unwinding, and where no error value exists the
// fault is reported and the call made. A plain program (the test frameworks are built with
// exceptions); it prints each failed check and exits non-zero.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "faultline/faultline.hpp"
#include "faultline/rules.hpp"
#include "journal.hpp"
#include "mixed.hpp"

namespace {

int failures = 0;

void Check(bool ok, const char* what, int line) {
  if (!ok) {
    std::fprintf(stderr, "no_exceptions_test.cpp:%d: check failed: %s\n", line, what);
    ++failures;
  }
}
#define CHECK(condition) Check((condition), #condition, __LINE__)

bool Contains(const std::vector<std::string>& texts, const std::string& part) {
  for (const std::string& text : texts) {
    if (text.find(part) != std::string::npos) return true;
  }
  return false;
}

void ExceptionRulesBecomeTheStatusOfTheCodeUnderTest(faultline::FaultInjector& injector) {
  injector.Reset();
  for (faultline::FaultConfig& rule :
       faultline::ParseRules("full=Storage::Append:1*exception(disk full);"
                             "slow=Storage::Sync:1*timeout(1ms)")) {
    injector.AddRule(std::move(rule));
  }
  MemoryStorage memory;
  FaultyStorage storage(memory);
  CHECK(Commit(storage, "a").ToString() == "IO error: disk full");
  CHECK(Commit(storage, "b").ToString() == "Timed out: Timed out");
  CHECK(Commit(storage, "c").ok());
  CHECK(memory.synced() == (std::vector<std::string>{"b", "c"}));
  CHECK(injector.Stats().total_faults == 2);
}

void ReturnRulesReachTheStatusAsText(faultline::FaultInjector& injector) {
  injector.Reset();
  injector.AddRule(faultline::ParseRules("gone=Storage::Sync:return(device gone)").at(0));
  MemoryStorage memory;
  FaultyStorage storage(memory);
  CHECK(Commit(storage, "a").ToString() == "IO error: device gone");
}

void BuiltInResultsGetTheirErrorValue(faultline::FaultInjector& injector) {
  injector.Reset();
  injector.AddRule(faultline::Exception("boom").Target("write"));
  injector.AddRule(faultline::Return("seven", 7).Target("count"));
  errno = 0;
  CHECK(faultline::Call("write", [] { return 3; }) == -1);
  CHECK(errno == EIO);
  CHECK(faultline::Call("count", [] { return 3; }) == 7);
  auto open = injector.Wrap("write", [] { return static_cast<const char*>("file"); });
  CHECK(open() == nullptr);
}

void AFaultWithNoErrorValueIsReportedAndTheCallMade(faultline::FaultInjector& injector) {
  injector.Reset();
  faultline::internal::TakeProblems();
  injector.AddRule(faultline::Exception("boom").Target("close"));
  injector.AddRule(faultline::Exception("point").Target("db.read"));
  bool closed = false;
  faultline::Call("close", [&] { closed = true; });
  CHECK(closed);
  CHECK(!FAULTLINE_POINT("db.read"));
  const std::vector<std::string> problems = faultline::internal::TakeProblems();
  CHECK(problems.size() == 2);
  CHECK(Contains(problems, "rule \"boom\" on target \"close\": its exception cannot be thrown "
                           "into code built without exceptions, and the result type void has "
                           "no error mapping"));
  CHECK(Contains(problems, "rule \"point\" on target \"db.read\""));
}

// Both files instantiate Point::Check and Call with a function pointer alike: one definition
// for both would make one of them throw here or swallow the fault there.
void FilesBuiltWithAndWithoutExceptionsKeepTheirOwnBehaviour(faultline::FaultInjector& injector) {
  injector.Reset();
  faultline::internal::TakeProblems();
  injector.AddRule(faultline::Exception("point").Target("mixed.point"));
  injector.AddRule(faultline::Exception("call").Target("mixed.call"));
  CHECK(PointAndCallThrowWithExceptions());
  errno = 0;
  CHECK(!FAULTLINE_POINT("mixed.point"));
  CHECK(faultline::Call("mixed.call", &ReturnThree) == -1);
  CHECK(errno == EIO);
  CHECK(faultline::internal::TakeProblems().size() == 1);  // the point's, which has no result
}

void TypeNamesNeedNoRtti() {
  CHECK(faultline::internal::TypeName<std::string>() == "std::string");
  CHECK(faultline::internal::TypeName<const leveldblike::Status&>() == "leveldblike::Status&");
  CHECK(faultline::Return("text", std::string("x")).return_type_name() == "std::string");
}

}  // namespace

int main() {
  faultline::FaultInjector injector;
  faultline::CurrentInjector current(injector);
  ExceptionRulesBecomeTheStatusOfTheCodeUnderTest(injector);
  ReturnRulesReachTheStatusAsText(injector);
  BuiltInResultsGetTheirErrorValue(injector);
  AFaultWithNoErrorValueIsReportedAndTheCallMade(injector);
  FilesBuiltWithAndWithoutExceptionsKeepTheirOwnBehaviour(injector);
  TypeNamesNeedNoRtti();
  if (failures == 0) std::printf("no_exceptions_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
