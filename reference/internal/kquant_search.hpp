// The per-sub-block scale searches of llama.cpp's K-quant reference
// quantizers (ggml-quants.c: make_qkx2_quants, make_qx_quants,
// make_q3_quants), in float32 and in ggml's operation order; quant_search.cpp.
#pragma once

#include <cstdint>

namespace nineml::ref::internal {

// ggml's nearest_int (round half to even) made total: NaN gives 0 and a value
// past +-4194303 (where ggml asserts) is clamped to it.
int nearest_int(float v);

// Scale and min for x[0..n) on the grid scale*l - the_min, l in 0..nmax,
// minimising the weighted error over nstep+1 candidate scales; l in L.
float make_qkx2(int n, int nmax, const float* x, const float* w, uint8_t* L, float* the_min, float rmin, float rdelta,
                int nstep, bool use_mad);
// Signed scale for x[0..n) on the grid scale*(L-nmax), L in 0..2*nmax-1,
// weights x^2 (ggml's rmse_type 1), 19 candidate scales.
float make_qx(int n, int nmax, const float* x, int8_t* L);
// As make_qx for Q3_K: weights x^2, then up to 5 passes moving single
// elements to the level that most improves the weighted fit.
float make_q3(int n, int nmax, const float* x, int8_t* L);

}  // namespace nineml::ref::internal
