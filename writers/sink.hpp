// Little-endian output for the writers: Sink builds a small piece (GGUF
// metadata, one tensor's encoding) in memory; OutFile streams the model file
// itself into port.h's atomic output (nm_out), so a writer holds about one
// tensor at a time and OUT is untouched until commit().
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "port/port.h"

namespace nineml::writers {

// The encodings, over Derived's bytes(p, n) and size().
template <class Derived>
struct LittleEndian {
  void u8(uint8_t v) { put(&v, 1); }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void f32(float v) { u32(std::bit_cast<uint32_t>(v)); }
  void floats(const float* p, size_t n) {
    uint8_t chunk[4096];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
      uint32_t b = std::bit_cast<uint32_t>(p[i]);
      for (int k = 0; k < 4; k++) chunk[used++] = static_cast<uint8_t>(b >> (8 * k));
      if (used == sizeof chunk) put(chunk, used), used = 0;
    }
    if (used) put(chunk, used);
  }
  void floats(const std::vector<float>& v) { floats(v.data(), v.size()); }
  void str(const std::string& s) { u64(s.size()); put(s.data(), s.size()); }
  void pad_to(size_t align, uint8_t fill = 0) {
    while (static_cast<Derived*>(this)->size() % align) u8(fill);
  }

 private:
  void put(const void* p, size_t n) { static_cast<Derived*>(this)->bytes(p, n); }
  void le(uint64_t v, int n) {
    uint8_t b[8];
    for (int i = 0; i < n; i++) b[i] = static_cast<uint8_t>(v >> (8 * i));
    put(b, static_cast<size_t>(n));
  }
};

struct Sink : LittleEndian<Sink> {
  std::vector<uint8_t> b;
  void bytes(const void* p, size_t n) {
    const auto* c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
  }
  uint64_t size() const { return b.size(); }
};

// Throws std::runtime_error("PATH: problem"); destroyed before commit(), it
// discards what was written (an existing file at path stays as it was).
class OutFile : public LittleEndian<OutFile> {
 public:
  explicit OutFile(const std::string& path) : o_(nm_out_open(path.c_str(), err_, sizeof err_)) {
    if (o_ == nullptr) throw std::runtime_error(err_);
  }
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  ~OutFile() { nm_out_abort(o_); }
  void bytes(const void* p, size_t n) {
    if (nm_out_write(o_, p, n, err_, sizeof err_) != 0) throw std::runtime_error(err_);
    n_ += n;
  }
  void bytes(const std::vector<uint8_t>& v) { bytes(v.data(), v.size()); }
  uint64_t size() const { return n_; }
  void commit() {
    nm_out* o = o_;
    o_ = nullptr;  // commit frees it, whatever happens
    if (nm_out_commit(o, err_, sizeof err_) != 0) throw std::runtime_error(err_);
  }

 private:
  nm_out* o_;
  char err_[512] = {0};
  uint64_t n_ = 0;
};

}  // namespace nineml::writers
