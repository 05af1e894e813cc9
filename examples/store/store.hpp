// A small key-value store that keeps its data in one file and replaces it atomically: the kind
// of code whose error paths depend on the file system. It knows nothing of faultline.
#pragma once

#include <map>
#include <string>
#include <system_error>

namespace store {

class Store {
 public:
  // Keeps its data in `directory` (which must exist), in the file "data.db".
  explicit Store(std::string directory);

  // Replaces the stored values by `values`: writes "next.db", syncs it, and renames it over
  // "data.db". On any failure the previous values stay and the error is returned.
  std::error_code Save(const std::map<std::string, std::string>& values);
  // The stored values (empty when nothing was saved). Throws std::system_error when the file
  // exists but cannot be read.
  std::map<std::string, std::string> Load() const;

 private:
  std::string directory_;
};

}  // namespace store
