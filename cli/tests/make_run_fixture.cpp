// Writes the files cli/tests/run.sh needs: a 15M-shaped llama2.c v0 model
// (dim 288, 6 layers, 6 heads, vocab 32000, seq 256; seeded weights) and a
// 32000-token llama2.c tokenizer.bin (specials, 256 byte tokens, printable
// ASCII, then unique filler pieces).
//   make_run_fixture MODEL.bin TOKENIZER.bin
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "reference.hpp"

namespace {

void put_i32(std::ofstream& f, int32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); }
void put_f32(std::ofstream& f, float v) { f.write(reinterpret_cast<const char*>(&v), 4); }

bool write_tokenizer(const std::string& path, int vocab) {
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
  for (int b = 0; b < 256; b++) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    pieces.push_back(hex);
  }
  for (int c = 32; c < 127; c++) pieces.push_back(std::string(1, char(c)));
  for (const char* w : {" the", " a", " time", " upon", " Once", " was", " there", " little", " girl"})
    pieces.push_back(w);
  for (int i = 0; static_cast<int>(pieces.size()) < vocab; i++) pieces.push_back(" w" + std::to_string(i));
  std::ofstream f(path, std::ios::binary);
  put_i32(f, 16);
  for (std::size_t i = 0; i < pieces.size(); i++) {
    put_f32(f, i < 259 ? 0.0f : -static_cast<float>(i));
    put_i32(f, static_cast<int32_t>(pieces[i].size()));
    f.write(pieces[i].data(), static_cast<std::streamsize>(pieces[i].size()));
  }
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_run_fixture MODEL.bin TOKENIZER.bin\n");
    return 2;
  }
  nineml::ref::Config c;
  c.dim = 288;
  c.hidden_dim = 768;
  c.n_layers = 6;
  c.n_heads = 6;
  c.n_kv_heads = 6;
  c.vocab_size = 32000;
  c.seq_len = 256;
  nineml::ref::save_v0(nineml::fixtures::make_checkpoint(c, 15), argv[1]);
  if (!write_tokenizer(argv[2], c.vocab_size)) {
    std::fprintf(stderr, "%s: cannot write\n", argv[2]);
    return 1;
  }
  return 0;
}
