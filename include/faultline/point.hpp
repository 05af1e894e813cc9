// faultline: named fault points in production code.
//
//   int ReadBlock(Block& out) {
//     if (FAULTLINE_POINT("db.read")) return -EIO;  // a kReturn rule on "db.read" fired
//     ...
//   }
//
// FAULTLINE_POINT("name") checks the target "name" on faultline::Current(): exception and
// timeout rules throw from the point, delay rules sleep, and kReturn / kCorruption rules make
// the expression a true faultline::Decision the code acts on. The name must be a string
// literal (it is interned once, in a static). With FAULTLINE_DISABLED defined the expression is
// a constant false (a Decision-like value that is never true) and the point costs nothing.
#pragma once

#include <cstdint>

#include "faultline/fault.hpp"

#if defined(FAULTLINE_DISABLED)

namespace faultline::internal {
// What a compiled-out fault point evaluates to: a Decision that is a constant false. Its members
// read like Decision's (`rule->`, `call`, `stream`, `type()`), so code acting on a point
// compiles in both builds.
struct CompiledOutDecision {
  const FaultConfig* rule = nullptr;
  std::uint64_t call = 0;
  std::uint64_t stream = 0;
  constexpr explicit operator bool() const { return false; }
  constexpr FaultType type() const { return FaultType::kReturn; }
  operator Decision() const { return Decision{}; }  // NOLINT(google-explicit-constructor)
};
}  // namespace faultline::internal

#define FAULTLINE_POINT(name) \
  (static_cast<void>(sizeof(name)), ::faultline::internal::CompiledOutDecision{})

#else

#include "faultline/injector.hpp"

namespace faultline::internal {
// A fault point's process-wide id, interned once per point.
class Point {
 public:
  explicit Point(const char* name) : id_(PointId(name)) {}
  Decision Check() const { return Current().CheckPoint(id_); }

 private:
  std::uint32_t id_;
};
}  // namespace faultline::internal

#define FAULTLINE_POINT(name)                                                   \
  (::faultline::internal::g_current_armed.load(std::memory_order_relaxed)       \
       ? [] {                                                                   \
           static const ::faultline::internal::Point faultline_internal_point( \
               name);                                                           \
           return faultline_internal_point.Check();                             \
         }()                                                                    \
       : ::faultline::Decision{})

#endif
