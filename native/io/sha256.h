// SHA-256 (FIPS 180-4), incremental: what a model's weights digest is made of, computed where the
// weights are, with no copy of them written anywhere first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace diffprompt {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t length);
  void update(const std::string& text) { update(text.data(), text.size()); }
  /** The digest as 64 lowercase hex digits; the object is spent afterwards. */
  std::string hexDigest();

 private:
  void compress(const uint8_t* block);  // one 64-byte block

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t totalBytes_ = 0;
};

}  // namespace diffprompt
