// A growable array with the strong exception guarantee: an operation that throws (an
// allocation failed, an element's copy threw) leaves the stash as it was. The kind of class
// whose allocation failures standard-library implementers sweep. It knows nothing of faultline.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace stash {

template <class T>
class Stash {
 public:
  Stash() = default;
  Stash(const Stash&) = delete;
  Stash& operator=(const Stash&) = delete;
  ~Stash() { Release(data_, size_); }

  // Appends a copy of `value`. Strong guarantee.
  void Append(const T& value) {
    if (size_ == capacity_) {
      Rebuild(capacity_ == 0 ? 2 : capacity_ * 2, data_, size_);
    }
    new (data_ + size_) T(value);
    ++size_;
  }

  // Replaces the contents by copies of `values`. Strong guarantee: the copies are made in a new
  // buffer, which replaces the old one only when every copy succeeded.
  void Assign(const std::vector<T>& values) {
    Rebuild(values.size(), values.data(), values.size());
  }

  // Destroys every element (keeps the buffer).
  void Clear() {
    for (std::size_t i = size_; i > 0; --i) data_[i - 1].~T();
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  // Copies `count` elements from `from` into a new buffer of `capacity` and makes it the
  // stash's; on a throw, frees what it made and leaves the stash alone.
  void Rebuild(std::size_t capacity, const T* from, std::size_t count) {
    T* fresh = static_cast<T*>(::operator new(capacity * sizeof(T)));
    std::size_t made = 0;
    try {
      for (; made < count; ++made) new (fresh + made) T(from[made]);
    } catch (...) {
      Release(fresh, made);
      throw;
    }
    Release(data_, size_);
    data_ = fresh;
    size_ = count;
    capacity_ = capacity;
  }

  static void Release(T* data, std::size_t count) {
    for (std::size_t i = count; i > 0; --i) data[i - 1].~T();
    ::operator delete(data);
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace stash
