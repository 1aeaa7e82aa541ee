// Which GGML type each matrix gets in a GGUF storage: the base type of the
// storage, llama.cpp's Q4_K_M/Q5_K_M choices (llama_tensor_get_type for a
// llama-architecture model with one expert), and its fallback for rows a K
// type cannot hold. docs/FORMATS.md, "K-quant mixes", has the table.
#include <stdexcept>

#include "reference.hpp"

namespace nineml::ref {

namespace {

enum : int { F32 = 0, F16 = 1, Q4_0 = 2, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13,
             Q6_K = 14, BF16 = 30 };

int base_type(Storage s) {
  switch (s) {
    case Storage::f32: return F32;
    case Storage::f16: return F16;
    case Storage::bf16: return BF16;
    case Storage::q8_0: return Q8_0;
    case Storage::q4_0: return Q4_0;
    case Storage::q5_0: return Q5_0;
    case Storage::q5_1: return Q5_1;
    case Storage::q2_k: return Q2_K;
    case Storage::q3_k: return Q3_K;
    case Storage::q4_k: case Storage::q4_k_m: return Q4_K;
    case Storage::q5_k: case Storage::q5_k_m: return Q5_K;
    case Storage::q6_k: return Q6_K;
    case Storage::q8: break;
  }
  throw std::invalid_argument("nineml::ref: gguf_matrix_type: storage q8 is not a GGUF type");
}

bool is_k(int t) { return t == Q2_K || t == Q3_K || t == Q4_K || t == Q5_K || t == Q6_K; }

// llama.cpp's layers that get more bits in the _M mixes: the first and last
// eighth, and every third layer between them.
bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

}  // namespace

int gguf_matrix_type(Storage s, Matrix m, int layer, int n_layers, int row_len, bool has_output) {
  int t = base_type(s);
  if (s == Storage::q4_k_m || s == Storage::q5_k_m) {
    // A shared classifier is the embedding: llama.cpp types it as the output.
    if (m == Matrix::output || (m == Matrix::token_embd && !has_output))
      t = row_len % 256 != 0 ? Q8_0 : Q6_K;
    else if ((m == Matrix::attn_v || m == Matrix::ffn_down) && use_more_bits(layer, n_layers))
      t = Q6_K;
  }
  if (is_k(t) && row_len % 256 != 0) {
    // llama.cpp's fallback; Q2_K/Q3_K go to IQ4_NL there, a type 9ml does
    // not have: Q4_0 (same bits, a plain scale) instead.
    t = t == Q4_K ? Q5_0 : t == Q5_K ? Q5_1 : t == Q6_K ? Q8_0 : Q4_0;
    if (row_len % 32 != 0) t = F16;
  }
  return t;
}

int gguf_file_type(Storage s) {
  switch (s) {
    case Storage::f32: return 0;
    case Storage::f16: return 1;
    case Storage::q4_0: return 2;
    case Storage::q8_0: return 7;
    case Storage::q5_0: return 8;
    case Storage::q5_1: return 9;
    case Storage::q2_k: return 10;
    case Storage::q3_k: return 11;  // Q3_K_S: llama.cpp's mostly-Q3_K ftype
    case Storage::q4_k: return 14;  // Q4_K_S
    case Storage::q4_k_m: return 15;
    case Storage::q5_k: return 16;  // Q5_K_S
    case Storage::q5_k_m: return 17;
    case Storage::q6_k: return 18;
    case Storage::bf16: return 32;
    case Storage::q8: break;
  }
  throw std::invalid_argument("nineml::ref: gguf_file_type: storage q8 is not a GGUF type");
}

std::optional<Block> block_of_ggml_type(int type) {
  for (Block b : {Block::q5_0, Block::q5_1, Block::q2_k, Block::q3_k, Block::q4_k, Block::q5_k, Block::q6_k})
    if (ggml_type(b) == type) return b;
  return std::nullopt;
}

}  // namespace nineml::ref
