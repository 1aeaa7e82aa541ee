// llama2c mode: GGUF K-quant blocks (256 values) by llama.cpp's reference
// rules (quantize_row_q{2,3,4,5,6}_K_ref): a scale (and min) per sub-block
// from the searches of quant_search.cpp, the sub-block scales rounded to 4,
// 6 or 8 bits against a block-wide fp16 d (and dmin), then every value
// rounded again against the rounded scales. Layouts: docs/FORMATS.md.
#include <math.h>  // fabsf, sqrtf

#include <cstring>

#include "internal/block_quant.hpp"
#include "internal/kquant_search.hpp"

namespace nineml::ref::internal {

namespace {

int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

// Q4_K/Q5_K: 8 six-bit scales and 8 six-bit mins in 12 bytes (ggml's
// get_scale_min_k4 reads them back).
void pack_scales_k4(const int* ls, const int* lm, uint8_t* s) {
  std::memset(s, 0, 12);
  for (int j = 0; j < 8; j++) {
    if (j < 4) {
      s[j] = static_cast<uint8_t>(ls[j]);
      s[j + 4] = static_cast<uint8_t>(lm[j]);
    } else {
      s[j + 4] = static_cast<uint8_t>((ls[j] & 0x0f) | ((lm[j] & 0x0f) << 4));
      s[j - 4] = static_cast<uint8_t>(s[j - 4] | ((ls[j] >> 4) << 6));
      s[j] = static_cast<uint8_t>(s[j] | ((lm[j] >> 4) << 6));
    }
  }
}

void scale_min_k4(int j, const uint8_t* s, int* sc, int* m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K and Q5_K share everything but the level count (15 or 31) and the
// search's candidate range; L receives the 256 final levels.
void quantize_k4(const float* x, int nmax, float rmin, int nstep, uint8_t* dm, uint8_t* scales, uint8_t* L) {
  float sc[8], mins[8], w[32];
  float max_scale = 0, max_min = 0;  // scales and mins are never negative
  for (int j = 0; j < 8; j++) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; l++) sum_x2 += xs[l] * xs[l];
    const float av_x = sqrtf(sum_x2 / 32);
    for (int l = 0; l < 32; l++) w[l] = av_x + fabsf(xs[l]);
    sc[j] = make_qkx2(32, nmax, xs, w, L + 32 * j, &mins[j], rmin, 0.1f, nstep, false);
    if (sc[j] > max_scale) max_scale = sc[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  int ls[8], lm[8];
  for (int j = 0; j < 8; j++) {
    // llama.cpp stores nearest_int into a uint8_t then caps at 63; a
    // negative value (a search that returned a negative scale) would wrap
    // there and is 0 here.
    ls[j] = clampi(nearest_int(inv_scale * sc[j]), 0, 63);
    lm[j] = clampi(nearest_int(inv_min * mins[j]), 0, 63);
  }
  pack_scales_k4(ls, lm, scales);
  put_half(dm, max_scale / 63.f);
  put_half(dm + 2, max_min / 63.f);
  const float d_all = get_half(dm), m_all = get_half(dm + 2);
  for (int j = 0; j < 8; j++) {
    int s, m;
    scale_min_k4(j, scales, &s, &m);
    const float d = d_all * s;
    if (d == 0.0f) continue;  // levels stay the search's (they decode to -dmin*m either way)
    const float dmm = m_all * m;
    for (int i = 0; i < 32; i++) L[32 * j + i] = static_cast<uint8_t>(clampi(nearest_int((x[32 * j + i] + dmm) / d), 0, nmax));
  }
}

// Two-bit levels in ggml's order: byte l of each 32-byte group holds
// elements l, l+32, l+64, l+96 of a 128-element half.
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int h = 0; h < 256; h += 128)
    for (int l = 0; l < 32; l++)
      qs[h / 4 + l] = static_cast<uint8_t>(L[h + l] | (L[h + l + 32] << 2) | (L[h + l + 64] << 4) | (L[h + l + 96] << 6));
}

}  // namespace

void quantize_q4_k_block(const float* x, uint8_t* out) {
  uint8_t L[256];
  quantize_k4(x, 15, -1.0f, 20, out, out + 4, L);
  uint8_t* q = out + 16;  // element l and l+32 of each 64 share a byte
  for (int j = 0; j < 256; j += 64, q += 32)
    for (int l = 0; l < 32; l++) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
}

void quantize_q5_k_block(const float* x, uint8_t* out) {
  uint8_t L[256];
  quantize_k4(x, 31, -0.5f, 15, out, out + 4, L);
  uint8_t* qh = out + 16;
  uint8_t* ql = out + 48;
  std::memset(qh, 0, 32);
  // As Q4_K for the low nibbles; bit 2k (2k+1) of qh[l] is the fifth bit of
  // element l (l+32) of the k-th 64.
  uint8_t m1 = 1, m2 = 2;
  for (int n = 0; n < 256; n += 64, ql += 32) {
    for (int j = 0; j < 32; j++) {
      int l1 = L[n + j], l2 = L[n + j + 32];
      if (l1 > 15) {
        l1 -= 16;
        qh[j] = static_cast<uint8_t>(qh[j] | m1);
      }
      if (l2 > 15) {
        l2 -= 16;
        qh[j] = static_cast<uint8_t>(qh[j] | m2);
      }
      ql[j] = static_cast<uint8_t>(l1 | (l2 << 4));
    }
    m1 = static_cast<uint8_t>(m1 << 2);
    m2 = static_cast<uint8_t>(m2 << 2);
  }
}

void quantize_q6_k_block(const float* x, uint8_t* out) {
  int8_t L[256];
  float sc[16];
  float max_scale = 0, max_abs = 0;
  for (int ib = 0; ib < 16; ib++) {
    sc[ib] = make_qx(16, 32, x + 16 * ib, L + 16 * ib);
    if (fabsf(sc[ib]) > max_abs) {
      max_abs = fabsf(sc[ib]);
      max_scale = sc[ib];
    }
  }
  std::memset(out, 0, 210);
  if (max_abs < 1e-15f) return;  // ggml's GROUP_MAX_EPS: an all-zero block
  uint8_t* ql = out;
  uint8_t* qh = out + 128;
  int8_t* scales = reinterpret_cast<int8_t*>(out + 192);
  const float iscale = -128.f / max_scale;
  put_half(out + 208, 1 / iscale);
  for (int ib = 0; ib < 16; ib++) scales[ib] = static_cast<int8_t>(clampi(nearest_int(iscale * sc[ib]), -128, 127));
  const float d_all = get_half(out + 208);
  for (int j = 0; j < 16; j++) {
    const float d = d_all * scales[j];
    if (d == 0.0f) continue;
    for (int i = 0; i < 16; i++) L[16 * j + i] = static_cast<int8_t>(clampi(nearest_int(x[16 * j + i] / d), -32, 31) + 32);
  }
  // Per 128: ql[l] holds elements l (low) and l+64 (high), ql[l+32] holds
  // l+32 and l+96; qh[l] the top two bits of l, l+32, l+64, l+96.
  for (int j = 0; j < 256; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; l++) {
      const int a = L[j + l], b = L[j + l + 32], c = L[j + l + 64], e = L[j + l + 96];
      ql[l] = static_cast<uint8_t>((a & 0x0f) | ((c & 0x0f) << 4));
      ql[l + 32] = static_cast<uint8_t>((b & 0x0f) | ((e & 0x0f) << 4));
      qh[l] = static_cast<uint8_t>((a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6));
    }
  }
}

void quantize_q3_k_block(const float* x, uint8_t* out) {
  int8_t L[256];
  float sc[16];
  float max_scale = 0, amax = 0;
  for (int j = 0; j < 16; j++) {
    sc[j] = make_q3(16, 4, x + 16 * j, L + 16 * j);
    if (fabsf(sc[j]) > amax) {
      amax = fabsf(sc[j]);
      max_scale = sc[j];
    }
  }
  uint8_t* hmask = out;
  uint8_t* qs = out + 32;
  uint8_t* scales = out + 96;
  std::memset(scales, 0, 12);
  if (max_scale != 0.0f) {
    const float iscale = -32.f / max_scale;
    // 16 six-bit scales (+32): low nibbles in bytes 0..7 (j and j+8), the
    // top two bits of scale j at bits 2*(j/4) of byte 8 + j%4.
    for (int j = 0; j < 16; j++) {
      const int l = clampi(nearest_int(iscale * sc[j]), -32, 31) + 32;
      if (j < 8)
        scales[j] = static_cast<uint8_t>(l & 0x0f);
      else
        scales[j - 8] = static_cast<uint8_t>(scales[j - 8] | ((l & 0x0f) << 4));
      scales[8 + j % 4] = static_cast<uint8_t>(scales[8 + j % 4] | ((l >> 4) << (2 * (j / 4))));
    }
    put_half(out + 108, 1 / iscale);
  } else {
    put_half(out + 108, 0.0f);
  }
  const float d_all = get_half(out + 108);
  for (int j = 0; j < 16; j++) {
    int s = j < 8 ? scales[j] & 0x0f : scales[j - 8] >> 4;
    s = (s | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
    const float d = d_all * s;
    if (d == 0.0f) continue;
    for (int i = 0; i < 16; i++) L[16 * j + i] = static_cast<int8_t>(clampi(nearest_int(x[16 * j + i] / d), -4, 3) + 4);
  }
  // Level 4..7 (q >= 0) sets the high bit: element j at bit j/32 of hmask[j%32].
  std::memset(hmask, 0, 32);
  uint8_t low[256];
  for (int j = 0; j < 256; j++) {
    int l = L[j];
    if (l > 3) {
      hmask[j % 32] = static_cast<uint8_t>(hmask[j % 32] | (1 << (j / 32)));
      l -= 4;
    }
    low[j] = static_cast<uint8_t>(l);
  }
  pack_2bit(low, qs);
}

void quantize_q2_k_block(const float* x, uint8_t* out) {
  uint8_t L[256];
  float sc[16], mins[16], w[16];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 16; j++) {
    for (int l = 0; l < 16; l++) w[l] = fabsf(x[16 * j + l]);
    sc[j] = make_qkx2(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
    if (sc[j] > max_scale) max_scale = sc[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  uint8_t* scales = out;
  uint8_t* qs = out + 16;
  // Scale in the low nibble, min in the high one, against d = max/15. llama.cpp
  // ORs the rounded values in unclamped; they are 0..15 unless a search
  // returned a negative scale, which gives 0 here.
  for (int j = 0; j < 16; j++) scales[j] = 0;
  if (max_scale > 0) {
    const float iscale = 15.f / max_scale;
    for (int j = 0; j < 16; j++) scales[j] = static_cast<uint8_t>(clampi(nearest_int(iscale * sc[j]), 0, 15));
    put_half(out + 80, max_scale / 15.f);
  } else {
    put_half(out + 80, 0.0f);
  }
  if (max_min > 0) {
    const float iscale = 15.f / max_min;
    for (int j = 0; j < 16; j++) scales[j] = static_cast<uint8_t>(scales[j] | (clampi(nearest_int(iscale * mins[j]), 0, 15) << 4));
    put_half(out + 82, max_min / 15.f);
  } else {
    put_half(out + 82, 0.0f);
  }
  const float d_all = get_half(out + 80), m_all = get_half(out + 82);
  for (int j = 0; j < 16; j++) {
    const float d = d_all * (scales[j] & 0x0f);
    if (d == 0.0f) continue;
    const float dm = m_all * (scales[j] >> 4);
    for (int i = 0; i < 16; i++) L[16 * j + i] = static_cast<uint8_t>(clampi(nearest_int((x[16 * j + i] + dm) / d), 0, 3));
  }
  pack_2bit(L, qs);
}

}  // namespace nineml::ref::internal
