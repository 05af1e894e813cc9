// Code under test built with -fno-rtti -fno-exceptions, as many storage libraries are: a
// journal over a storage interface that reports errors by its own Status, and the faulty
// decorator a test puts between them, one line per method.
#pragma once

#include <string>
#include <vector>

#include "status_types.hpp"

class Storage {
 public:
  virtual ~Storage() = default;
  virtual leveldblike::Status Append(const std::string& record) = 0;
  virtual leveldblike::Status Sync() = 0;
};

class MemoryStorage : public Storage {
 public:
  leveldblike::Status Append(const std::string& record) override;
  leveldblike::Status Sync() override;
  const std::vector<std::string>& synced() const { return synced_; }

 private:
  std::vector<std::string> pending_;
  std::vector<std::string> synced_;
};

class FaultyStorage : public Storage {
 public:
  explicit FaultyStorage(Storage& base) : base_(&base) {}
  leveldblike::Status Append(const std::string& record) override;
  leveldblike::Status Sync() override;

 private:
  Storage* base_;
};

// Appends `record` and syncs it: the first error, or OK.
leveldblike::Status Commit(Storage& storage, const std::string& record);
