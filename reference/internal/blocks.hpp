// The GGUF block types of reference.hpp's Block decoded element by element,
// for both modes: each element's integer q, its sub-block scale and min, and
// the block's fp16 factors widened to float. Written after ggml's
// dequantize_row_* loops (not after the engine's unpacker).
#pragma once

#include <array>
#include <cstdint>

#include "reference.hpp"

namespace nineml::ref::internal {

// Which min term a type has: w = d*sc*q - dmin*m, d*q + m (Q5_1), d*sc*q.
enum class MinTerm { none, minus, plus };

struct DecodedBlock {
  int elems = 0;
  std::array<int, 256> q{}, sc{}, m{};
  float d = 0.0f, dmin = 0.0f;  // dmin: Q5_1's m
  MinTerm min = MinTerm::none;
};

DecodedBlock decode_block(Block b, const uint8_t* p);

}  // namespace nineml::ref::internal
