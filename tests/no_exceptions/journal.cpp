#include "journal.hpp"

#include "faultline/point.hpp"

leveldblike::Status MemoryStorage::Append(const std::string& record) {
  pending_.push_back(record);
  return leveldblike::Status::OK();
}

leveldblike::Status MemoryStorage::Sync() {
  synced_.insert(synced_.end(), pending_.begin(), pending_.end());
  pending_.clear();
  return leveldblike::Status::OK();
}

leveldblike::Status FaultyStorage::Append(const std::string& record) {
  return faultline::Call("Storage::Append", [&] { return base_->Append(record); });
}

leveldblike::Status FaultyStorage::Sync() {
  return faultline::Call("Storage::Sync", [&] { return base_->Sync(); });
}

leveldblike::Status Commit(Storage& storage, const std::string& record) {
  leveldblike::Status status = storage.Append(record);
  if (!status.ok()) return status;
  return storage.Sync();
}
