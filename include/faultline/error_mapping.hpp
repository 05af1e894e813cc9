// faultline: error mapping. How a fault becomes a value of a call's result type, for code that
// reports errors by value (a Status, an expected, an error code, -1 with errno) or is built
// without exceptions. Used by FaultInjector::Wrap, faultline::Call, faultline::Inject and every
// other entry point with a result.
//
//   template <>
//   struct faultline::ErrorMapping<mydb::Status> {
//     static mydb::Status Error(const faultline::Failure& failure) {
//       return mydb::Status::IOError(std::string(failure.message));
//     }
//   };
//
// After that, at a call returning mydb::Status:
// - an exception or timeout rule (`exception(disk full)`) returns Error() with the rule's
//   message instead of throwing;
// - a return rule whose value cannot become a Status (`return(disk full)`, `return(-5)`)
//   returns Error() with the text of the value; a value that can (Return("x", status)) is
//   returned as it is;
// - an errno rule (`Errno("full", ENOSPC)`) returns Error() with the error number.
//
// When exception and timeout rules apply, for a result type R with a mapping:
// - always when R's mapping says so, which is the default for user mappings (Status-like
//   types, whose code never expects an exception);
// - never by default for the built-in mappings (int, ssize_t, bool, pointers, std::optional,
//   std::error_code, expected-like types): those rules keep throwing, as they always did,
//   unless the user opts in with ExceptionsAsErrors<R>, or the code making the call is
//   compiled without exceptions (__cpp_exceptions undefined), which is never unwound through.
// An exception rule throwing a custom type (Throws<E>) throws it where exceptions are on,
// except into a result that carries exceptions (std::future and std::shared_future, which are
// made ready with it: the fault reaches the caller where it waits).
// Code built without exceptions whose result type has no mapping (void included) is not
// unwound either: the fault is reported as a harness error naming rule and target (which
// fails the running test) and the call is made.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "faultline/export.hpp"
#include "faultline/fault.hpp"

namespace faultline {

// What a fired rule asks a call's result to report, passed to ErrorMapping<T>::Error. The
// views live until Error returns.
struct Failure {
  // The name of the rule that fired.
  std::string_view rule;
  // kException or kTimeout for a rule that would throw, kReturn for a return or errno rule
  // whose value is not itself a T.
  FaultType type = FaultType::kException;
  // The rule's message (exception and timeout rules), the text of its value (`return(disk
  // full)`: "disk full"; `return(-5)`: "-5"), or the description of its error number.
  std::string_view message;
  // An errno-style error number: an errno rule's code, ETIMEDOUT for a timeout, else EIO.
  int error_number = EIO;
  // The rule itself, never null when passed to Error.
  const FaultConfig* config = nullptr;
};

// The customization point: specialize it for a result type T with
//   static T Error(const faultline::Failure& failure);
// and optionally
//   static constexpr bool kFromExceptions = ...;    // default true: see the header comment
//   static constexpr bool kFromReturnValues = ...;  // default true: return(text), return(n)
//   static constexpr bool kCarriesExceptions = ...; // default false: true when T delivers a
//                                                   // custom exception (Throws<E>) itself
// The primary template maps nothing. The second parameter is for partial specializations
// constrained with std::enable_if_t.
template <class T, class Enable = void>
struct ErrorMapping {};

namespace internal {
template <class T, class = void>
struct HasErrorMapping : std::false_type {};
template <class T>
struct HasErrorMapping<
    T, std::enable_if_t<std::is_same_v<
           decltype(ErrorMapping<T>::Error(std::declval<const Failure&>())), T>>>
    : std::true_type {};

template <class M, class = void>
struct MappingFromExceptions : std::true_type {};
template <class M>
struct MappingFromExceptions<M, std::void_t<decltype(M::kFromExceptions)>>
    : std::bool_constant<M::kFromExceptions> {};

template <class M, class = void>
struct MappingCarriesExceptions : std::false_type {};
template <class M>
struct MappingCarriesExceptions<M, std::void_t<decltype(M::kCarriesExceptions)>>
    : std::bool_constant<M::kCarriesExceptions> {};

template <class M, class = void>
struct MappingFromReturnValues : std::true_type {};
template <class M>
struct MappingFromReturnValues<M, std::void_t<decltype(M::kFromReturnValues)>>
    : std::bool_constant<M::kFromReturnValues> {};

// The built-in mappings: what a C API or a standard type reports, never replacing a throw
// unless asked (see ExceptionsAsErrors).
struct BuiltInMapping {
  static constexpr bool kFromExceptions = false;
  static constexpr bool kFromReturnValues = false;
};

// -1 with errno set, as a POSIX call fails.
template <class T>
struct ErrnoMapping : BuiltInMapping {
  static T Error(const Failure& failure) {
    errno = failure.error_number;
    return T(-1);
  }
};

// The type an expected-like E is made from: the message, an error code or the error number.
template <class E>
E ErrorValue(const Failure& failure) {
  if constexpr (std::is_constructible_v<E, std::string>) {
    return E(std::string(failure.message));
  } else if constexpr (std::is_constructible_v<E, std::error_code>) {
    return E(std::error_code(failure.error_number, std::generic_category()));
  } else {
    return E(failure.error_number);
  }
}
// The exception the fault of `failure` throws where exceptions are on: the rule's own type, an
// InjectedFault, an InjectedTimeout, or a std::system_error for an errno rule. Made by the
// library, so that code built without exceptions can hand it on.
FAULTLINE_API std::exception_ptr FaultException(const Failure& failure);

// A future that is ready with the fault's exception.
template <class T>
std::future<T> FailedFuture(const Failure& failure) {
  std::promise<T> promise;
  promise.set_exception(FaultException(failure));
  return promise.get_future();
}

// True when ErrorValue<E> can make an E: from the message, an error code or the error number.
template <class E>
inline constexpr bool kIsErrorValue = std::is_constructible_v<E, std::string> ||
                                      std::is_constructible_v<E, std::error_code> ||
                                      std::is_constructible_v<E, int>;
}  // namespace internal

// Whether an exception or timeout rule at a call returning T returns T's error instead of
// throwing even where exceptions are on. Defaults to the mapping's kFromExceptions (true for a
// user mapping, false for the built-ins); specialize it to opt a built-in in, e.g.
//   template <> struct faultline::ExceptionsAsErrors<int> : std::true_type {};
template <class T>
struct ExceptionsAsErrors
    : std::bool_constant<internal::HasErrorMapping<T>::value &&
                         internal::MappingFromExceptions<ErrorMapping<T>>::value> {};

// errno-style `int`: -1 with errno set.
template <>
struct ErrorMapping<int> : internal::ErrnoMapping<int> {};
// errno-style `ssize_t`: -1 with errno set.
template <class T>
struct ErrorMapping<T, std::enable_if_t<std::is_same_v<T, ssize_t> && !std::is_same_v<T, int>>>
    : internal::ErrnoMapping<T> {};
// `bool`: false, with errno set.
template <>
struct ErrorMapping<bool> : internal::BuiltInMapping {
  static bool Error(const Failure& failure) {
    errno = failure.error_number;
    return false;
  }
};
// Pointers: null, with errno set (as fopen and malloc fail).
template <class T>
struct ErrorMapping<T*> : internal::BuiltInMapping {
  static T* Error(const Failure& failure) {
    errno = failure.error_number;
    return nullptr;
  }
};
// `std::optional`: empty.
template <class T>
struct ErrorMapping<std::optional<T>> : internal::BuiltInMapping {
  static std::optional<T> Error(const Failure&) { return std::nullopt; }
};
// `std::error_code`: the error number in the generic category.
template <>
struct ErrorMapping<std::error_code> : internal::BuiltInMapping {
  static std::error_code Error(const Failure& failure) {
    return std::error_code(failure.error_number, std::generic_category());
  }
};
// `std::expected<V, E>` (C++23) and any type with `error_type` and `unexpected_type` that is
// constructible from its unexpected_type (tl::expected and the like): the unexpected error,
// made from the message when E is constructible from std::string (so return(text) reaches
// it), else from an std::error_code or the error number.
template <class T>
struct ErrorMapping<
    T, std::enable_if_t<std::is_constructible_v<T, typename T::unexpected_type> &&
                        internal::kIsErrorValue<typename T::error_type>>>
    : internal::BuiltInMapping {
  static constexpr bool kFromReturnValues =
      std::is_constructible_v<typename T::error_type, std::string>;
  static T Error(const Failure& failure) {
    return T(typename T::unexpected_type(
        internal::ErrorValue<typename T::error_type>(failure)));
  }
};

// `std::future`: a future ready with the exception the rule would throw (its own type
// included), so that the fault reaches the caller where it waits, not at the call; also for
// exception rules where exceptions are on, and for errno rules (a std::system_error).
template <class T>
struct ErrorMapping<std::future<T>> {
  static constexpr bool kFromReturnValues = false;
  static constexpr bool kCarriesExceptions = true;
  static std::future<T> Error(const Failure& failure) {
    return internal::FailedFuture<T>(failure);
  }
};
// `std::shared_future`: as std::future.
template <class T>
struct ErrorMapping<std::shared_future<T>> {
  static constexpr bool kFromReturnValues = false;
  static constexpr bool kCarriesExceptions = true;
  static std::shared_future<T> Error(const Failure& failure) {
    return internal::FailedFuture<T>(failure).share();
  }
};

}  // namespace faultline
