#include "check.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "../core/epoch.hpp"

namespace faultline::posix::internal {

__thread bool t_resolving = false;

namespace {

// The path of each descriptor below kTracked, as opened. An entry replaced or cleared is
// retired, not freed: a check may be matching it against a rule's Path on another thread.
constexpr int kTracked = 1 << 16;
std::atomic<char*> g_paths[kTracked];

const char* PathOf(int fd) {
  return fd >= 0 && fd < kTracked ? g_paths[fd].load(std::memory_order_acquire) : nullptr;
}

void FreePath(void* path) { std::free(path); }

const bool g_lookup_installed = [] {
  faultline::internal::g_descriptor_path.store(&PathOf, std::memory_order_release);
  return true;
}();

}  // namespace

void RememberPath(int fd, int dir, const char* path) {
  // Opened or closed: the number no longer names what the framework had open.
  faultline::internal::ForgetFrameworkDescriptor(fd);
  if (fd < 0 || fd >= kTracked) return;
  char* copy = nullptr;
  if (path != nullptr) {
    const char* base = path[0] != '/' && dir != AT_FDCWD ? PathOf(dir) : nullptr;
    copy = ::strdup(base != nullptr ? (std::string(base) + "/" + path).c_str() : path);
    if (copy == nullptr) return;
  }
  char* previous = g_paths[fd].exchange(copy, std::memory_order_acq_rel);
  if (previous != nullptr) faultline::internal::Retire(previous, &FreePath);
}

void CorruptBytes(void* data, std::size_t size, std::uint64_t stream) {
  if (size == 0) return;
  Rng rng(stream);
  const std::uint64_t at = rng.Below(size);
  static_cast<unsigned char*>(data)[at] ^= static_cast<unsigned char>(1u << rng.Below(8));
}

Fault Check(Target& target, const CallContext& context) {
  // The framework's output (a reporter's -o file): neither faulted nor counted.
  if (faultline::internal::IsFrameworkDescriptor(context.descriptor)) return {};
  FaultInjector& injector = Current();
  std::uint32_t id = target.id.load(std::memory_order_relaxed);
  if (id == Target::kUnset) {
    id = faultline::internal::PointId(target.name);
    target.id.store(id, std::memory_order_relaxed);
  }
  const Decision decision = injector.Evaluate(injector.SiteFor(id), context);
  if (!decision) return {};
  const FaultConfig& rule = *decision.rule;
  switch (rule.type()) {
    case FaultType::kException: {
      Fault fault{Fault::kError, target.default_error};
      if (rule.throws_custom_exception()) fault.rule = decision.rule;
      return fault;
    }
    case FaultType::kTimeout:
      injector.clock().SleepFor(rule.delay());
      return {Fault::kError, ETIMEDOUT};
    case FaultType::kDelay:
      injector.clock().SleepFor(rule.delay());
      return {};
    case FaultType::kCorruption:
      return {Fault::kCorrupt, 0, 0, decision.stream};
    case FaultType::kPause:
    case FaultType::kWait:
      injector.Synchronize(rule);
      return {};
    case FaultType::kReturn:
      break;
  }
  const AnyValue& value = rule.return_value();
  if (!value.has_value()) return {Fault::kError, target.default_error};
  if (const auto* error = AnyCast<SystemError>(&value)) return {Fault::kError, error->code};
  if (AnyCast<ShortTransfer>(&value) != nullptr) {
    return {Fault::kPartial, 0, 0, decision.stream};
  }
  if (const auto* number = AnyCast<std::int64_t>(&value)) {
    return {Fault::kValue, 0, *number};
  }
  if (const auto* number = AnyCast<std::uint64_t>(&value)) {
    return {Fault::kValue, 0, static_cast<long long>(*number)};
  }
  if (const auto* flag = AnyCast<bool>(&value)) return {Fault::kValue, 0, *flag ? 1 : 0};
  faultline::internal::ReportProblem(
      "faultline: rule \"" + rule.name() + "\" on target \"" + target.name +
      "\": a system call cannot return a value of type " + rule.return_type_name() +
      ", expected an integer, errno(...) or partial; the call failed with " +
      (ErrnoName(target.default_error) != nullptr ? ErrnoName(target.default_error) : "an error") +
      " instead");
  return {Fault::kError, target.default_error};
}

}  // namespace faultline::posix::internal
