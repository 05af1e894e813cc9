// Three status-like classes as storage libraries define them, each registered with
// faultline::ErrorMapping in one specialization: what users of Abseil, LevelDB and StatusOr
// write.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "faultline/error_mapping.hpp"

// Like absl::Status: a code and a message.
namespace abslike {
enum class StatusCode { kOk, kUnavailable, kDeadlineExceeded, kInternal };
class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};
inline Status OkStatus() { return Status(); }

// Like absl::StatusOr<T>: a value or a non-OK status.
template <class T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const T& value() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};
}  // namespace abslike

// Like leveldb::Status: named constructors, no public code.
namespace leveldblike {
class Status {
 public:
  static Status OK() { return Status(); }
  static Status IOError(const std::string& message) { return Status("IO error: " + message); }
  static Status TimedOut(const std::string& message) { return Status("Timed out: " + message); }
  bool ok() const { return text_.empty(); }
  std::string ToString() const { return ok() ? "OK" : text_; }

 private:
  Status() = default;
  explicit Status(std::string text) : text_(std::move(text)) {}
  std::string text_;
};
}  // namespace leveldblike

template <>
struct faultline::ErrorMapping<abslike::Status> {
  static abslike::Status Error(const faultline::Failure& failure) {
    const auto code = failure.type == faultline::FaultType::kTimeout
                          ? abslike::StatusCode::kDeadlineExceeded
                          : abslike::StatusCode::kUnavailable;
    return abslike::Status(code, std::string(failure.message));
  }
};

template <>
struct faultline::ErrorMapping<leveldblike::Status> {
  static leveldblike::Status Error(const faultline::Failure& failure) {
    if (failure.type == faultline::FaultType::kTimeout) {
      return leveldblike::Status::TimedOut(std::string(failure.message));
    }
    return leveldblike::Status::IOError(std::string(failure.message));
  }
};

template <class T>
struct faultline::ErrorMapping<abslike::StatusOr<T>> {
  static abslike::StatusOr<T> Error(const faultline::Failure& failure) {
    return faultline::ErrorMapping<abslike::Status>::Error(failure);
  }
};
