// GGUF Q5_0/Q5_1 and K-quant blocks: names, sizes, and the element decoder
// (internal/blocks.hpp) that both modes' dequant and products read. The
// loops keep ggml's dequantize_row_* structure: chunks of 64 or 128
// elements, 2-bit shifts per 32, one scale per 16 or 32.
#include <cstring>

#include "internal/blocks.hpp"
#include "internal/half_bits.hpp"

namespace nineml::ref {

namespace {
struct TypeInfo {
  Block b;
  const char* name;
  int ggml, elems, bytes;
};
constexpr TypeInfo kTypes[] = {
    {Block::q5_0, "q5_0", 6, 32, 22},     {Block::q5_1, "q5_1", 7, 32, 24},
    {Block::q2_k, "q2_k", 10, 256, 84},   {Block::q3_k, "q3_k", 11, 256, 110},
    {Block::q4_k, "q4_k", 12, 256, 144},  {Block::q5_k, "q5_k", 13, 256, 176},
    {Block::q6_k, "q6_k", 14, 256, 210},
};
const TypeInfo& info(Block b) { return kTypes[static_cast<int>(b)]; }
}  // namespace

int block_elems(Block b) { return info(b).elems; }
int block_bytes(Block b) { return info(b).bytes; }
int ggml_type(Block b) { return info(b).ggml; }
const char* block_name(Block b) { return info(b).name; }
std::optional<Block> block_from_name(std::string_view name) {
  for (const TypeInfo& t : kTypes)
    if (name == t.name) return t.b;
  return std::nullopt;
}

namespace internal {

namespace {
float f16_at(const uint8_t* p) { return half_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8))); }

// ggml's get_scale_min_k4: the j-th 6-bit scale and min of the 12 bytes.
void scale_min_k4(int j, const uint8_t* s, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q3_K's 16 6-bit scales: ggml unpacks the 12 bytes as three 32-bit words
// with masks; the same bits here, word by word.
std::array<int, 16> q3_scales(const uint8_t* s) {
  uint32_t aux[4];
  std::memcpy(aux, s, 12);  // the hosts the reference runs on are little-endian
  const uint32_t tmp = aux[2], k1 = 0x03030303u, k2 = 0x0f0f0f0fu;
  aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
  aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
  aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4);
  aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
  std::array<int, 16> out{};
  for (int i = 0; i < 16; i++) out[static_cast<size_t>(i)] = static_cast<int>((aux[i / 4] >> (8 * (i % 4))) & 0xff);
  return out;
}
}  // namespace

DecodedBlock decode_block(Block b, const uint8_t* p) {
  DecodedBlock r;
  r.elems = block_elems(b);
  auto set = [&r](int i, int q, int sc, int m) {
    r.q[static_cast<size_t>(i)] = q;
    r.sc[static_cast<size_t>(i)] = sc;
    r.m[static_cast<size_t>(i)] = m;
  };
  switch (b) {
    case Block::q5_0:
    case Block::q5_1: {
      const bool one = b == Block::q5_1;
      r.d = f16_at(p);
      if (one) {
        r.dmin = f16_at(p + 2);
        r.min = MinTerm::plus;
      }
      const uint8_t* qhp = p + (one ? 4 : 2);
      const uint8_t* qs = qhp + 4;
      const uint32_t qh = uint32_t(qhp[0]) | uint32_t(qhp[1]) << 8 | uint32_t(qhp[2]) << 16 | uint32_t(qhp[3]) << 24;
      const int off = one ? 0 : 16;
      for (int j = 0; j < 16; j++) {
        const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
        set(j, ((qs[j] & 0x0F) | h0) - off, 1, one ? 1 : 0);
        set(j + 16, ((qs[j] >> 4) | h1) - off, 1, one ? 1 : 0);
      }
      break;
    }
    case Block::q2_k: {
      const uint8_t* sc = p;
      const uint8_t* q = p + 16;
      r.d = f16_at(p + 80);
      r.dmin = f16_at(p + 82);
      r.min = MinTerm::minus;
      int y = 0, is = 0;
      for (int n = 0; n < 256; n += 128, q += 32)
        for (int shift = 0; shift < 8; shift += 2)
          for (int half = 0; half < 2; half++, is++)
            for (int l = 0; l < 16; l++) set(y++, (q[l + 16 * half] >> shift) & 3, sc[is] & 0xF, sc[is] >> 4);
      break;
    }
    case Block::q3_k: {
      const uint8_t* hm = p;
      const uint8_t* q = p + 32;
      const std::array<int, 16> sc = q3_scales(p + 96);
      r.d = f16_at(p + 108);
      int y = 0, is = 0, m = 1;
      for (int n = 0; n < 256; n += 128, q += 32)
        for (int shift = 0; shift < 8; shift += 2, m <<= 1)
          for (int half = 0; half < 2; half++, is++)
            for (int l = 16 * half; l < 16 * half + 16; l++)
              set(y++, ((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4), sc[static_cast<size_t>(is)] - 32, 0);
      break;
    }
    case Block::q4_k:
    case Block::q5_k: {
      const bool five = b == Block::q5_k;
      r.d = f16_at(p);
      r.dmin = f16_at(p + 2);
      r.min = MinTerm::minus;
      const uint8_t* scales = p + 4;
      const uint8_t* qh = p + 16;
      const uint8_t* ql = p + (five ? 48 : 16);
      int y = 0, is = 0, u1 = 1, u2 = 2;
      for (int j = 0; j < 256; j += 64, ql += 32, is += 2, u1 <<= 2, u2 <<= 2) {
        int sc1, m1, sc2, m2;
        scale_min_k4(is, scales, sc1, m1);
        scale_min_k4(is + 1, scales, sc2, m2);
        for (int l = 0; l < 32; l++) set(y++, (ql[l] & 0xF) + (five && (qh[l] & u1) ? 16 : 0), sc1, m1);
        for (int l = 0; l < 32; l++) set(y++, (ql[l] >> 4) + (five && (qh[l] & u2) ? 16 : 0), sc2, m2);
      }
      break;
    }
    case Block::q6_k: {
      const uint8_t* ql = p;
      const uint8_t* qh = p + 128;
      const int8_t* sc = reinterpret_cast<const int8_t*>(p + 192);
      r.d = f16_at(p + 208);
      for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8)
        for (int l = 0; l < 32; l++) {
          const int is = l / 16;
          set(n + l, ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32, sc[is], 0);
          set(n + l + 32, ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32, sc[is + 2], 0);
          set(n + l + 64, ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32, sc[is + 4], 0);
          set(n + l + 96, ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32, sc[is + 6], 0);
        }
      break;
    }
  }
  return r;
}

}  // namespace internal
}  // namespace nineml::ref
