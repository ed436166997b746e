// SHA-256 (FIPS 180-4), for the package manifest's file hashes.
//
// The package writer records the hash of every model file; the runtime checks
// the model library's hash at load (and the weights' on request). One small
// implementation, compiled into both, so the runtime needs no crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace aotc::sha256 {

/// Incremental hashing: update() any number of times, then digest() once.
class Hasher {
 public:
  Hasher();
  void update(const void* data, size_t size);
  std::array<uint8_t, 32> digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};

/// Lower-case hex of the SHA-256 of `size` bytes.
std::string hex(const void* data, size_t size);

/// Lower-case hex of a digest.
std::string to_hex(const std::array<uint8_t, 32>& digest);

}  // namespace aotc::sha256
