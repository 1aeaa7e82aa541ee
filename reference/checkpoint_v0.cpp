// llama2.c v0 checkpoints ("legacy" export): 7 int32 header, float32 tensors
// in run.c's order, the two unused freq_cis tables, then wcls if unshared.
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

#include "internal/layout.hpp"
#include "reference.hpp"

namespace nineml::ref {

// Tensors are read and written as raw host floats; the format is little-endian.
static_assert(std::endian::native == std::endian::little, "the reference assumes a little-endian host");

namespace {

constexpr uint64_t kHeaderBytes = 7 * 4;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error(path + ": " + problem);
}

int32_t load_i32le(const unsigned char* p) {
  return static_cast<int32_t>(uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
}

// Float count of the whole body, or false when it does not fit in 64 bits.
bool body_floats(const internal::TensorSizes& s, uint64_t& total) {
  const uint64_t parts[] = {s.embedding, s.rms_att, s.wq,        s.wk,          s.wv,
                            s.wo,        s.rms_ffn, s.w1,        s.w2,          s.w3,
                            s.rms_final, s.freq_cis_half, s.freq_cis_half, s.wcls};
  total = 0;
  for (uint64_t p : parts) {
    if (p > std::numeric_limits<uint64_t>::max() - total) return false;
    total += p;
  }
  return !s.overflow;
}

// The tensors in file order (the freq_cis tables sit between rms_final and wcls).
struct Slot {
  std::vector<float>* t;
  uint64_t n;
};

}  // namespace

Checkpoint load_v0(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open file");
  f.seekg(0, std::ios::end);
  const auto end = f.tellg();
  if (end < 0) fail(path, "cannot determine file size");
  const uint64_t file_bytes = uint64_t(end);
  f.seekg(0, std::ios::beg);

  unsigned char hdr[kHeaderBytes];
  f.read(reinterpret_cast<char*>(hdr), sizeof hdr);
  if (uint64_t(f.gcount()) != kHeaderBytes)
    fail(path, "truncated header (" + std::to_string(f.gcount()) + " of 28 bytes)");

  Checkpoint ck;
  Config& c = ck.config;
  c.dim = load_i32le(hdr + 0);
  c.hidden_dim = load_i32le(hdr + 4);
  c.n_layers = load_i32le(hdr + 8);
  c.n_heads = load_i32le(hdr + 12);
  c.n_kv_heads = load_i32le(hdr + 16);
  const int32_t vocab = load_i32le(hdr + 20);
  c.seq_len = load_i32le(hdr + 24);
  // Negative vocab_size flags an unshared classifier; INT32_MIN has no positive twin.
  c.shared_classifier = vocab > 0;
  c.vocab_size = vocab == std::numeric_limits<int32_t>::min() ? 0 : (vocab < 0 ? -vocab : vocab);
  const std::string problem = internal::config_problem(c);
  if (!problem.empty()) fail(path, problem);

  const internal::TensorSizes s = internal::tensor_sizes(c);
  uint64_t floats = 0;
  if (!body_floats(s, floats) || floats > (std::numeric_limits<uint64_t>::max() - kHeaderBytes) / 4)
    fail(path, "the header implies a size beyond 64 bits");
  const uint64_t want = kHeaderBytes + 4 * floats;
  if (file_bytes != want)
    fail(path, "file is " + std::to_string(file_bytes) + " bytes, the header implies " + std::to_string(want));

  std::vector<float> freq_cis;  // read and dropped: upstream no longer uses it
  const Slot order[] = {{&ck.token_embedding, s.embedding}, {&ck.rms_att, s.rms_att}, {&ck.wq, s.wq},
                        {&ck.wk, s.wk},                     {&ck.wv, s.wv},           {&ck.wo, s.wo},
                        {&ck.rms_ffn, s.rms_ffn},           {&ck.w1, s.w1},           {&ck.w2, s.w2},
                        {&ck.w3, s.w3},                     {&ck.rms_final, s.rms_final},
                        {&freq_cis, 2 * s.freq_cis_half},   {&ck.wcls, s.wcls}};
  for (const Slot& slot : order) {
    slot.t->resize(static_cast<std::size_t>(slot.n));
    f.read(reinterpret_cast<char*>(slot.t->data()), static_cast<std::streamsize>(slot.n * 4));
    if (!f) fail(path, "read error");
  }
  return ck;
}

void save_v0(const Checkpoint& ck, const std::string& path) {
  internal::check_checkpoint(ck);
  const Config& c = ck.config;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(path, "cannot create file");
  const int32_t header[7] = {c.dim,        c.hidden_dim,
                             c.n_layers,   c.n_heads,
                             c.n_kv_heads, c.shared_classifier ? c.vocab_size : -c.vocab_size,
                             c.seq_len};
  f.write(reinterpret_cast<const char*>(header), sizeof header);

  auto put = [&f](const std::vector<float>& t) {
    f.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * 4));
  };
  for (const auto* t : {&ck.token_embedding, &ck.rms_att, &ck.wq, &ck.wk, &ck.wv, &ck.wo, &ck.rms_ffn,
                        &ck.w1, &ck.w2, &ck.w3, &ck.rms_final})
    put(*t);

  // The legacy cos/sin tables, [seq_len][head_size/2], with their historical
  // contents so old readers that still use them work; 9ml's readers skip them.
  const int head_size = c.dim / c.n_heads;
  const int half = head_size / 2;
  std::vector<float> re(static_cast<std::size_t>(c.seq_len) * half), im(re.size());
  for (int t = 0; t < c.seq_len; t++)
    for (int j = 0; j < half; j++) {
      const double angle = t / std::pow(double(c.rope_theta), 2.0 * j / head_size);
      re[static_cast<std::size_t>(t) * half + j] = static_cast<float>(std::cos(angle));
      im[static_cast<std::size_t>(t) * half + j] = static_cast<float>(std::sin(angle));
    }
  put(re);
  put(im);
  if (!c.shared_classifier) put(ck.wcls);
  f.flush();
  if (!f) fail(path, "write failed");
}

}  // namespace nineml::ref
