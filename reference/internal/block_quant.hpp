// One block of each new GGUF type from 32 or 256 floats (NaN already
// replaced by 0), by llama.cpp's reference rules: quant_q5.cpp (Q5_0, Q5_1)
// and quant_kquants.cpp (Q2_K..Q6_K). quantize.cpp splits a row into blocks.
#pragma once

#include <cstdint>

namespace nineml::ref::internal {

void quantize_q5_0_block(const float* x, uint8_t* out);  // 32 values -> 22 bytes
void quantize_q5_1_block(const float* x, uint8_t* out);  // 32 -> 24
void quantize_q2_k_block(const float* x, uint8_t* out);  // 256 -> 84
void quantize_q3_k_block(const float* x, uint8_t* out);  // 256 -> 110
void quantize_q4_k_block(const float* x, uint8_t* out);  // 256 -> 144
void quantize_q5_k_block(const float* x, uint8_t* out);  // 256 -> 176
void quantize_q6_k_block(const float* x, uint8_t* out);  // 256 -> 210

// Little-endian fp16 store of f (round to nearest even) and the value it holds.
void put_half(uint8_t* p, float f);
float get_half(const uint8_t* p);

}  // namespace nineml::ref::internal
