// Llama 3.1 RoPE frequency scaling (Meta's rule), and RoPE with the
// per-pair frequencies given. llama2c mode computes the frequencies in float
// in the order of docs/FORWARD.md; exact mode in double.
#include <math.h>  // powf, cosf, sinf

#include <cmath>
#include <numbers>

#include "internal/checks.hpp"
#include "reference.hpp"

namespace nineml::ref {

using internal::require;
using internal::sz;

namespace llama2c {

std::vector<float> rope_freqs(int head_size, float theta, const RopeScaling& rs) {
  require(head_size > 0 && head_size % 2 == 0, "rope_freqs: head_size must be even");
  std::vector<float> out(sz(head_size / 2));
  const float orig = static_cast<float>(rs.original_max_position);
  const float hi = orig / rs.high_freq_factor, lo = orig / rs.low_freq_factor;
  for (int head_dim = 0; head_dim < head_size; head_dim += 2) {
    float freq = 1.0f / powf(theta, head_dim / static_cast<float>(head_size));
    if (rs.factor > 0.0f) {
      const float wavelen = 6.2831855f / freq;
      if (wavelen < hi) {
        // high frequency: unchanged
      } else if (wavelen > lo) {
        freq = freq / rs.factor;
      } else {
        const float smooth = (orig / wavelen - rs.low_freq_factor) / (rs.high_freq_factor - rs.low_freq_factor);
        freq = (1.0f - smooth) * freq / rs.factor + smooth * freq;
      }
    }
    out[sz(head_dim / 2)] = freq;
  }
  return out;
}

std::vector<float> rope(std::span<const float> vec, int head_size, int pos, std::span<const float> freqs) {
  require(head_size > 0 && vec.size() % 2 == 0 && freqs.size() == sz(head_size / 2),
          "rope: head_size/2 frequencies and an even length");
  std::vector<float> out(vec.begin(), vec.end());
  for (std::size_t i = 0; i < out.size(); i += 2) {
    const float val = static_cast<float>(pos) * freqs[(i % sz(head_size)) / 2];
    const float fcr = cosf(val), fci = sinf(val);
    const float v0 = out[i], v1 = out[i + 1];
    out[i] = v0 * fcr - v1 * fci;
    out[i + 1] = v0 * fci + v1 * fcr;
  }
  return out;
}

}  // namespace llama2c

namespace exact {

std::vector<double> rope_freqs(int head_size, double theta, const RopeScaling& rs) {
  require(head_size > 0 && head_size % 2 == 0, "rope_freqs: head_size must be even");
  std::vector<double> out(sz(head_size / 2));
  const double orig = rs.original_max_position;
  for (int head_dim = 0; head_dim < head_size; head_dim += 2) {
    double freq = 1.0 / std::pow(theta, double(head_dim) / double(head_size));
    if (rs.factor > 0.0f) {
      const double wavelen = 2.0 * std::numbers::pi / freq;
      if (wavelen < orig / rs.high_freq_factor) {
        // high frequency: unchanged
      } else if (wavelen > orig / rs.low_freq_factor) {
        freq /= rs.factor;
      } else {
        const double smooth = (orig / wavelen - rs.low_freq_factor) / (double(rs.high_freq_factor) - rs.low_freq_factor);
        freq = (1.0 - smooth) * freq / rs.factor + smooth * freq;
      }
    }
    out[sz(head_dim / 2)] = freq;
  }
  return out;
}

std::vector<double> rope(std::span<const double> vec, int head_size, int pos, std::span<const double> freqs) {
  require(head_size > 0 && vec.size() % 2 == 0 && freqs.size() == sz(head_size / 2),
          "rope: head_size/2 frequencies and an even length");
  std::vector<double> out(vec.size());
  for (std::size_t i = 0; i < vec.size(); i += 2) {
    const double angle = double(pos) * freqs[(i % sz(head_size)) / 2];
    const double fcr = std::cos(angle), fci = std::sin(angle);
    out[i] = vec[i] * fcr - vec[i + 1] * fci;
    out[i + 1] = vec[i] * fci + vec[i + 1] * fcr;
  }
  return out;
}

}  // namespace exact

}  // namespace nineml::ref
