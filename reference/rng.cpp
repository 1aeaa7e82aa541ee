// llama2.c's xorshift* generator (integer only, so identical in both modes)
// and the mode names used in reports.
#include "reference.hpp"

namespace nineml::ref {

const char* mode_name(Mode m) { return m == Mode::exact ? "exact" : "llama2c"; }

uint32_t Rng::next_u32() {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return static_cast<uint32_t>((state * 0x2545F4914F6CDD1Dull) >> 32);
}

// 24 random bits scaled into [0, 1): exact in float.
float Rng::next_f32() { return static_cast<float>(next_u32() >> 8) / 16777216.0f; }

}  // namespace nineml::ref
