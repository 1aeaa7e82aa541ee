// The golden reference: obviously-correct scalar code, sharing nothing with
// engine/. Two modes (docs/REFERENCE.md):
//   exact   - float64 arithmetic, compensated (Neumaier) sums; the "true" value.
//   llama2c - float32 in upstream run.c/runq.c operation order, bit-identical
//             to upstream when built with -ffp-contract=off.
// Special values (NaN, inf, empty masks) follow the same documented semantics
// as the engine (engine/kernels.h); both modes implement them explicitly.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nineml::ref {

enum class Mode { exact, llama2c };
const char* mode_name(Mode m);

// Rounding of Q8_0 quotients: exporter = ties to even, runq = ties away.
enum class Rounding { even, away };

// One quantized tensor: n int8 values and n/gs scales.
struct Q8Tensor {
  std::vector<int8_t> q;
  std::vector<float> scales;
  int group_size = 0;
};

// llama2.c's xorshift* RNG (integer arithmetic; identical in both modes).
struct Rng {
  uint64_t state;
  uint32_t next_u32();
  float next_f32();
};

// Added: the GGUF block types beyond Q4_0/Q8_0 (docs/FORMATS.md has the
// layouts): elements and bytes per block, ggml's type id, the name ("q4_k").
enum class Block { q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k };
int block_elems(Block b);
int block_bytes(Block b);
int ggml_type(Block b);
const char* block_name(Block b);
std::optional<Block> block_from_name(std::string_view name);

namespace exact {
// All outputs are float64 values computed from the float32 inputs exactly or
// with compensated sums (error far below float32 resolution).
std::vector<double> rmsnorm(std::span<const float> x, std::span<const float> w, float eps);
std::vector<double> softmax(std::span<const float> x);
std::vector<double> matmul(std::span<const float> x, std::span<const float> w, int n, int d);
std::vector<double> rope(std::span<const float> vec, int head_size, int pos, float theta);
std::vector<double> attention(std::span<const float> q, std::span<const float> k_cache,
                              std::span<const float> v_cache, int n_heads, int n_kv_heads,
                              int head_size, int pos, int window);
std::vector<double> silu(std::span<const float> x);
std::vector<double> swiglu(std::span<const float> hb, std::span<const float> hb2);
std::vector<double> residual_add(std::span<const float> x, std::span<const float> y);
// Exact Q8_0 scales (max|x|/127 in float64), one per group.
std::vector<double> q8_scales(std::span<const float> x, int gs);
std::vector<double> q8_dequantize(std::span<const int8_t> q, std::span<const float> scales, int gs);
std::vector<double> dequant_q8_0(std::span<const uint8_t> blocks, int n);
std::vector<double> dequant_q4_0(std::span<const uint8_t> blocks, int n);
std::vector<double> f16_to_f64(std::span<const uint16_t> in);
std::vector<double> bf16_to_f64(std::span<const uint16_t> in);
int argmax(std::span<const float> p);
int argmax(std::span<const double> p);  // added: for exact-mode (float64) logits
// Multinomial / top-p over float64 cumulative sums (ties by lower index).
int sample_mult(std::span<const double> p, double coin);
int sample_topp(std::span<const double> p, double topp, double coin);
// Full sampler: temperature scaling and softmax in float64, coin from the RNG.
int sample(std::span<const float> logits, float temperature, float topp, Rng& rng);
// Added: the same on float64 logits (exact-mode generation samples these).
int sample(std::span<const double> logits, float temperature, float topp, Rng& rng);
// Added: exact product of dequantized GGUF Q4_0 weights (d x n blocks) with x.
std::vector<double> matmul_q4_0(std::span<const float> x, std::span<const uint8_t> blocks, int n, int d);
// Added: exact product of 16-bit float weights (d x n IEEE half / bfloat16,
// each widened exactly) with x: matmul on the widened matrix.
std::vector<double> matmul_f16(std::span<const float> x, std::span<const uint16_t> w, int n, int d);
std::vector<double> matmul_bf16(std::span<const float> x, std::span<const uint16_t> w, int n, int d);
// Added: the exact weights n blocks of type b encode (n % block_elems == 0):
// d*sc*q - dmin*m (Q5_1: d*q + m), as the two terms (scaled = d*sc*q,
// offset = -dmin*m, +m, or 0) and as their sum.
struct BlockTerms {
  std::vector<double> scaled, offset;
};
BlockTerms dequant_terms(Block b, std::span<const uint8_t> blocks, int n);
std::vector<double> dequant(Block b, std::span<const uint8_t> blocks, int n);
// Added: exact product of those weights (d x n, row-major blocks) with x.
std::vector<double> matmul_blocks(Block b, std::span<const float> x, std::span<const uint8_t> w, int n, int d);
}  // namespace exact

namespace llama2c {
std::vector<float> rmsnorm(std::span<const float> x, std::span<const float> w, float eps);
std::vector<float> softmax(std::span<const float> x);
std::vector<float> matmul(std::span<const float> x, std::span<const float> w, int n, int d);
std::vector<float> rope(std::span<const float> vec, int head_size, int pos, float theta);
std::vector<float> attention(std::span<const float> q, std::span<const float> k_cache,
                             std::span<const float> v_cache, int n_heads, int n_kv_heads,
                             int head_size, int pos, int window);
std::vector<float> silu(std::span<const float> x);
std::vector<float> swiglu(std::span<const float> hb, std::span<const float> hb2);
std::vector<float> residual_add(std::span<const float> x, std::span<const float> y);
Q8Tensor q8_quantize(std::span<const float> x, int gs, Rounding r);
std::vector<float> q8_dequantize(const Q8Tensor& t);
// runq matmul: w is d x n quantized, x quantized with the same group size.
std::vector<float> matmul_q8(const Q8Tensor& x, const Q8Tensor& w, int n, int d);
std::vector<float> dequant_q8_0(std::span<const uint8_t> blocks, int n);
std::vector<float> dequant_q4_0(std::span<const uint8_t> blocks, int n);
std::vector<float> f16_to_f32(std::span<const uint16_t> in);
std::vector<float> bf16_to_f32(std::span<const uint16_t> in);
int argmax(std::span<const float> p);
int sample_mult(std::span<const float> p, float coin);
int sample_topp(std::span<const float> p, float topp, float coin);
// run.c's sample(); logits are copied, not modified.
int sample(std::span<const float> logits, float temperature, float topp, Rng& rng);
// Added: GGUF Q4_0 blocks of x (length % 32 == 0) by llama.cpp's reference
// rule (docs/FORWARD.md): per block, m = the element of largest |x| (first
// wins), d = m / -8, id = d ? 1/d : 0, q = min(15, (int8)(x*id + 8.5f)), d
// stored as fp16 (round to nearest even).
std::vector<uint8_t> q4_0_quantize(std::span<const float> x);
// GGUF Q8_0 (llama.cpp's rule, fp16 scales) as a Q8 tensor of group 32.
Q8Tensor q8_0_gguf_quantize(std::span<const float> x);
// Added: Q4_0 weights (d x n) times x quantized Q8 with group 32: per block
// ival = int32 sum of (nibble-8)*xq; val += ((float)ival * d_w) * xs[block].
std::vector<float> matmul_q4_0(const Q8Tensor& x, std::span<const uint8_t> blocks, int n, int d);
// Added: 16-bit float weights (d x n IEEE half / bfloat16): widened to float
// (exact), then llama2.c's matmul.
std::vector<float> matmul_f16(std::span<const float> x, std::span<const uint16_t> w, int n, int d);
std::vector<float> matmul_bf16(std::span<const float> x, std::span<const uint16_t> w, int n, int d);
// Added: ggml's float dequantization of n values of block type b: d1 = d*sc,
// m1 = dmin*m (floats), y = d1*q - m1 (Q5_1: d*q + m; no min: d1*q).
std::vector<float> dequant(Block b, std::span<const uint8_t> blocks, int n);
// Added: block weights (d x n) times x quantized Q8 with group 32, in the
// shape of docs/FORMATS.md ("The block product"), bit for bit the engine's.
std::vector<float> matmul_blocks(Block b, const Q8Tensor& x, std::span<const uint8_t> w, int n, int d);
// Added: GGUF blocks of x (length a multiple of block_elems) by llama.cpp's
// reference quantizers (quantize_row_*_ref); docs/FORMATS.md, "Quantization".
std::vector<uint8_t> quantize(Block b, std::span<const float> x);
}  // namespace llama2c

// Added: float32 to IEEE half / bfloat16, round to nearest even (overflow
// gives inf, NaN stays NaN): how f16/bf16 weights are made (Storage::f16/bf16).
std::vector<uint16_t> f32_to_f16(std::span<const float> x);
std::vector<uint16_t> f32_to_bf16(std::span<const float> x);

// Added: Llama 3.1 RoPE scaling; factor 0 means none.
struct RopeScaling {
  float factor = 0.0f, low_freq_factor = 1.0f, high_freq_factor = 4.0f;
  int original_max_position = 8192;
};
namespace llama2c {
// Per-pair frequencies (head_size/2) with Llama 3.1 scaling, float32 in the
// order of docs/FORWARD.md; without scaling they equal rope()'s.
std::vector<float> rope_freqs(int head_size, float theta, const RopeScaling& rs);
// rope() with the frequencies given: pair i uses freqs[(i % head_size) / 2].
std::vector<float> rope(std::span<const float> vec, int head_size, int pos, std::span<const float> freqs);
}  // namespace llama2c
namespace exact {
std::vector<double> rope_freqs(int head_size, double theta, const RopeScaling& rs);
std::vector<double> rope(std::span<const double> vec, int head_size, int pos, std::span<const double> freqs);
}  // namespace exact

// ---- whole model ----------------------------------------------------------

struct Config {
  int dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0;
  int vocab_size = 0, seq_len = 0;
  bool shared_classifier = true;
  float rope_theta = 10000.0f;
  float norm_eps = 1e-5f;
  int sliding_window = 0;  // 0: full causal attention
  RopeScaling rope_scaling;  // added: Llama 3.1 (factor 0: none)
  bool qkv_bias = false;     // added: Qwen2's q/k/v projection biases (Checkpoint::bq, bk, bv)
};

// Added: how a Transformer stores its weights. f32 as given; q8: runq (v2)
// weights quantized by the exporter (ties even) with `group_size`, activations
// quantized with runq's rounding before every matmul; q4_0: GGUF Q4_0 weights
// (llama2c::q4_0_quantize), activations quantized Q8 with group 32. Norm
// weights stay float; the token embedding is the dequantized quantized table.
// Exact mode runs on the dequantized weights with unquantized activations.
// q8_0: GGUF Q8_0 weights (llama2c::q8_0_gguf_quantize), activations as q4_0.
// f16/bf16: every matrix rounded to 16-bit floats (norms stay f32), then
// run as f32 on the widened values (exact), in both modes.
// q5_0 ... q6_k: every matrix in that GGUF block type (llama2c::quantize),
// activations as q4_0; q4_k_m, q5_k_m: llama.cpp's per-matrix mixes. A K
// type's matrix whose rows are not a multiple of 256 falls back as llama.cpp
// does (gguf_matrix_type below).
enum class Storage { f32, q8, q4_0, q8_0, f16, bf16, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, q4_k_m, q5_k_m };
const char* storage_name(Storage s);
std::optional<Storage> storage_from_name(std::string_view name);

// Added: the GGML type (0 F32, 1 F16, 2 Q4_0, 8 Q8_0, 30 BF16, or a Block's
// ggml_type) a GGUF storage gives each matrix of a llama-architecture model,
// as llama.cpp's llama_tensor_get_type does for the matching ftype
// (docs/FORMATS.md, "K-quant mixes"). `layer` counts from 0 (-1 for the
// embedding and the classifier), `row_len` is the matrix's row length;
// has_output is false when the classifier is the embedding. Throws
// std::invalid_argument for Storage::q8 (not a GGUF type).
enum class Matrix { token_embd, output, attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_down, ffn_up };
int gguf_matrix_type(Storage s, Matrix m, int layer, int n_layers, int row_len, bool has_output);
// llama.cpp's ftype number for general.file_type (LLAMA_FTYPE_*).
int gguf_file_type(Storage s);
// The Block of a GGML type number, if it is one of them.
std::optional<Block> block_of_ggml_type(int type);
struct Quant {
  Storage storage = Storage::f32;
  int group_size = 64;  // q8 only
};

// Weights in llama2.c's layout (row-major, per-layer tensors concatenated).
struct Checkpoint {
  Config config;
  std::vector<float> token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3,
      rms_final, wcls;  // wcls empty when the classifier is shared
  // Added (Qwen2): q, k, v projection biases, n_layers x dim / kv_dim /
  // kv_dim, q and k in the pairwise RoPE layout of wq and wk; all empty
  // unless config.qkv_bias. Added after the matmul, before RoPE.
  std::vector<float> bq, bk, bv;
  const std::vector<float>& classifier() const {
    return config.shared_classifier ? token_embedding : wcls;
  }
};

// Reads a llama2.c v0 checkpoint. Throws std::runtime_error("PATH: problem").
Checkpoint load_v0(const std::string& path);
// Writes a llama2.c v0 checkpoint (used by the fixture generator).
void save_v0(const Checkpoint& ck, const std::string& path);

// A transformer with a KV cache; forward() returns the logits of one token.
// In llama2c mode every value is a float32 (returned widened to double).
class Transformer {
 public:
  Transformer(const Checkpoint& ck, Mode mode);
  Transformer(const Checkpoint& ck, Mode mode, const Quant& quant);  // added
  ~Transformer();
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;
  std::vector<double> forward(int token, int pos);
  // An observer of the intermediates (`9ml diff-layers`): called after each
  // named step (the engine's names: embedding (layer 0), attn_norm, q, k, v, q_rope, k_rope,
  // attn_out, wo, x_attn, ffn_norm, w1, w3, swiglu, w2, x_ffn per layer;
  // final_norm, logits with layer -1) with its values, which it may change:
  // the pass goes on with what it leaves there (per-step teacher forcing,
  // deliberately wrong variants in tests). The mode's callback only.
  struct Observer {
    std::function<void(int layer, const char* step, std::span<float>)> on_float;    // llama2c mode
    std::function<void(int layer, const char* step, std::span<double>)> on_double;  // exact mode
  };
  std::vector<double> forward(int token, int pos, const Observer& observer);
  Mode mode() const;

 private:
  struct Impl;
  Impl* impl_;
};

struct Generation {
  std::vector<int> tokens;                 // prompt[0], then every next token
  std::vector<std::vector<double>> logits;  // logits at each step, before sampling
  // tokens[i+1] came from logits[i], so tokens.size() == logits.size() + 1; a
  // terminating BOS (1) is recorded as the last token.
};

// run.c's generate loop: feeds the prompt, then samples until BOS (1) or
// `steps` positions. temperature 0 is greedy. steps <= 0 or > seq_len means
// seq_len (run.c's main). The prompt must not be empty. Exact mode samples the
// float64 logits with exact::sample.
Generation generate(const Checkpoint& ck, Mode mode, const std::vector<int>& prompt, int steps,
                    float temperature, float topp, uint64_t seed);
// Added: the same with quantized storage.
Generation generate(const Checkpoint& ck, Mode mode, const Quant& quant, const std::vector<int>& prompt,
                    int steps, float temperature, float topp, uint64_t seed);

// run.c's chat(): user turns (already rendered with the Llama 2 template and
// encoded with BOS) are fed one after another; at every position a token is
// fed (the turn's next id, else the last sampled one) and the next is
// sampled, prompt positions included; a sampled EOS (2) ends the reply, and
// the EOS itself is fed before the next turn. The chat ends when `steps`
// positions are used or, at a user turn, when `turns` runs out.
struct ChatTranscript {
  std::vector<int> fed;                       // the token fed at each position
  std::vector<std::pair<int, int>> printed;   // (prev, token) pairs run.c prints
  std::vector<int> reply_ends;                // positions whose sample was EOS
  int turns = 0;                              // user turns taken
};
ChatTranscript chat(const Checkpoint& ck, Mode mode, const Quant& quant, const std::vector<std::vector<int>>& turns,
                    int steps, float temperature, float topp, uint64_t seed);

}  // namespace nineml::ref
