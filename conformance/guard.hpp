// Output buffers with guard zones on both sides, filled with a pattern that no
// kernel writes; a kernel that writes past its output is caught on the spot.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace nineml::conformance {

template <class T>
class Guarded {
 public:
  static constexpr size_t kGuardBytes = 256;
  static constexpr uint8_t kPattern = 0xA5;

  explicit Guarded(size_t n) : n_(n), bytes_(2 * kGuardBytes + n * sizeof(T) + alignof(T), kPattern) {}
  Guarded(const T* init, size_t n) : Guarded(n) {
    if (n) std::memcpy(data(), init, n * sizeof(T));
  }

  T* data() { return reinterpret_cast<T*>(bytes_.data() + kGuardBytes); }
  const T* data() const { return reinterpret_cast<const T*>(bytes_.data() + kGuardBytes); }
  size_t size() const { return n_; }
  std::vector<T> values() const { return std::vector<T>(data(), data() + n_); }

  // True when neither guard zone was written.
  bool intact() const {
    const uint8_t* lo = bytes_.data();
    const uint8_t* hi = bytes_.data() + kGuardBytes + n_ * sizeof(T);
    for (size_t i = 0; i < kGuardBytes; i++)
      if (lo[i] != kPattern || hi[i] != kPattern) return false;
    return true;
  }

 private:
  size_t n_;
  std::vector<uint8_t> bytes_;  // kGuardBytes is a multiple of every alignof(T) used
};

}  // namespace nineml::conformance
