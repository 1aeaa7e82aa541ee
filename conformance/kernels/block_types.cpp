// GGUF Q5_0/Q5_1 and K-quant blocks (reference.hpp Block): dequant_<type>
// and matmul_<type> for each. Weights are raw block bytes from the case
// seed (random bytes reach every bit pattern of q, scales, mins and high
// bits), with the fp16 factors d/dmin drawn per distribution and some
// edge blocks (all-zero, all-ones: largest scales and values) mixed in.
// Products are judged against the exact product of the exact weights with
// the unquantized x (docs/TOLERANCES.md, "GGUF block types").
#include <algorithm>

#include <set>

#include "common.hpp"
#include "kernels.h"
#include "npy_out.hpp"
#include "q8_common.hpp"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

using ref::Block;

constexpr Block kBlocks[] = {Block::q5_0, Block::q5_1, Block::q2_k, Block::q3_k,
                             Block::q4_k, Block::q5_k, Block::q6_k};

// Byte offsets of a block's fp16 factors (d, and dmin or Q5_1's m).
std::vector<int> factor_offsets(Block b) {
  switch (b) {
    case Block::q5_0: return {0};
    case Block::q5_1: return {0, 2};
    case Block::q2_k: return {80, 82};
    case Block::q3_k: return {108};
    case Block::q4_k: case Block::q5_k: return {0, 2};
    case Block::q6_k: return {208};
  }
  return {};
}

// An fp16 factor for `dist`: normal near 2^-8 (weights of magnitude ~0.1
// to 10 for the largest scales), heavy any finite exponent, tiny
// subnormal, special any pattern (inf, NaN); both signs.
uint16_t factor(const std::string& dist, fixtures::DataRng& rng) {
  const uint16_t sign = rng.below(2) ? 0x8000 : 0;
  const uint16_t mant = static_cast<uint16_t>(rng.below(1024));
  if (dist == "special") return static_cast<uint16_t>(rng.next_u64());
  if (dist == "tiny") return static_cast<uint16_t>(sign | mant);
  int e = dist == "heavy" ? 1 + static_cast<int>(rng.below(30)) : 15 - 8 + static_cast<int>(rng.below(5)) - 2;
  return static_cast<uint16_t>(sign | (e << 10) | mant);
}

// nblocks blocks of type b for the case: random payload bytes and
// factors; "zeros" gives all-zero blocks, "equal" one block repeated; in
// the others one block in 8 is all-zero payload and one in 8 all 0xff.
std::vector<uint8_t> make_blocks(Block b, const CaseSpec& c, int64_t nblocks) {
  auto rng = rng_for(c);
  const size_t bytes = static_cast<size_t>(ref::block_bytes(b));
  std::vector<uint8_t> out(bytes * static_cast<size_t>(nblocks), 0);
  if (c.dist == "zeros") return out;
  for (int64_t k = 0; k < nblocks; k++) {
    uint8_t* blk = out.data() + bytes * static_cast<size_t>(k);
    if (c.dist == "equal" && k > 0) {
      std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(bytes), blk);
      continue;
    }
    const int64_t kind = rng.below(8);
    for (size_t i = 0; i < bytes; i++) blk[i] = kind == 0 ? 0 : kind == 1 ? 0xff : static_cast<uint8_t>(rng.below(256));
    for (int off : factor_offsets(b)) {
      const uint16_t f = factor(c.dist, rng);
      blk[off] = static_cast<uint8_t>(f & 0xff);
      blk[off + 1] = static_cast<uint8_t>(f >> 8);
    }
  }
  return out;
}

class BlockDequant final : public Kernel {
 public:
  explicit BlockDequant(Block b) : b_(b) {}
  std::string name() const override { return std::string("dequant_") + ref::block_name(b_); }
  std::string tolerance_note() const override {
    return "fp16 factors decode exactly, d*sc and dmin*m are exact; one rounding of d1*q -/+ m1: u|x| + eta";
  }
  std::vector<CaseSpec> cases() const override {
    // Block counts: the lengths up to 4097 blocks, 65 for 256-element
    // types (more blocks repeat the same code with more data and time).
    std::vector<CaseSpec> out;
    for (CaseSpec c : grid(name(), {"normal", "heavy", "tiny", "equal", "zeros", "special"},
                           [](CaseSpec& c, int64_t len, size_t) { c.set("blocks", len); }))
      if (c.get_int("blocks") <= (ref::block_elems(b_) == 32 ? 4097 : 65)) out.push_back(c);
    return out;
  }
  Tensors inputs(const CaseSpec& c) const override {
    return {make_tensor("blocks", make_blocks(b_, c, c.get_int("blocks")))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    auto v = ref::exact::dequant(b_, view<uint8_t>(in, "blocks"), elems(c));
    return {v, rounding_bounds(v, bounds::kU, bounds::kEta)};
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, elems(c)));
  }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto blocks = view<uint8_t>(in, "blocks");
    if (!is_engine(impl)) return float_output(ref::llama2c::dequant(b_, blocks, elems(c)));
    Guarded<float> g(static_cast<size_t>(elems(c)));
    nm_dequant_blocks(static_cast<int>(b_), g.data(), blocks.data(), elems(c));
    return engine_output(name(), g);
  }

 private:
  int elems(const CaseSpec& c) const { return static_cast<int>(c.get_int("blocks")) * ref::block_elems(b_); }
  Block b_;
};

class BlockMatmul final : public Kernel {
 public:
  explicit BlockMatmul(Block b) : b_(b) {}
  std::string name() const override { return std::string("matmul_") + ref::block_name(b_); }
  std::string error_unit() const override { return "abs"; }
  std::string tolerance_note() const override {
    return "weights exact (d*sc*q - dmin*m); x quantized Q8/32 (runq, ties away): sum |w| e_x with "
           "e = s/2 + u|x|; float steps gamma(groups+2) sum (|d sc q| + |dmin m|)(|x| + e_x)";
  }
  // As matmul_q4_0's shapes, with n a whole number of blocks (256 for the
  // K-quants): short lengths count blocks, longer ones round up. The
  // 32000-row classifier shape only for Q4_K and Q6_K, the types
  // llama.cpp's K-quant mixes store output.weight in (the same loop as
  // any other shape; it would cost a third of the whole run for all 7).
  std::vector<CaseSpec> cases() const override {
    // Rounding lengths up to whole blocks can map two lengths to one shape
    // (4095 and 4097 blocks of 32 on a 256 block): each case key once.
    std::vector<CaseSpec> out;
    std::set<std::string> seen;
    for (CaseSpec c : shapes())
      if ((c.get_int("d") != 32000 || b_ == Block::q4_k || b_ == Block::q6_k) && seen.insert(c.key()).second)
        out.push_back(c);
    return out;
  }
  std::vector<CaseSpec> shapes() const {
    const int64_t qk = ref::block_elems(b_);
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"}, [qk](CaseSpec& c, int64_t len, size_t) {
      int64_t n = len <= 65 ? qk * len : (len + qk - 1) / qk * qk, d = 5;
      if (len == 64) { d = 64; n = std::max<int64_t>(64, qk); }
      if (len == 4096) d = 8;
      if (len == 288) d = 288;
      if (len == 768) d = 768;
      if (len == 2048) d = 256;
      if (len == 32000) { d = 32000; n = qk == 32 ? 288 : 256; }
      c.set("d", d).set("n", n);
    });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    const int64_t n = c.get_int("n"), d = c.get_int("d");
    auto x = fixtures::make_floats(c.dist, n, rng);
    CaseSpec wc = c;  // the weights' own stream
    wc.kernel += "/w";
    return {make_tensor("x", std::move(x)), make_tensor("w", make_blocks(b_, wc, n * d / ref::block_elems(b_)))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    using namespace bounds;
    auto x = view<float>(in, "x");
    auto w = view<uint8_t>(in, "w");
    const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d")), groups = n / 32;
    Expected e{ref::exact::matmul_blocks(b_, x, w, n, d), {}};
    const ref::exact::BlockTerms t = ref::exact::dequant_terms(b_, w, n * d);
    auto sx = ref::exact::q8_scales(x, 32);
    std::vector<double> ex(static_cast<size_t>(n));
    for (int j = 0; j < n; j++) ex[static_cast<size_t>(j)] = q8_element_bound(x[static_cast<size_t>(j)], sx[static_cast<size_t>(j / 32)]);
    for (int i = 0; i < d; i++) {
      double quant = 0, mag = 0;
      for (int j = 0; j < n; j++) {
        const size_t k = static_cast<size_t>(i) * static_cast<size_t>(n) + static_cast<size_t>(j);
        const double xa = std::fabs(x[static_cast<size_t>(j)]) + ex[static_cast<size_t>(j)];
        quant += std::fabs(t.scaled[k] + t.offset[k]) * ex[static_cast<size_t>(j)];
        mag += (std::fabs(t.scaled[k]) + std::fabs(t.offset[k])) * xa;
      }
      e.bound.push_back(quant + gamma(groups + 2) * mag + 4.0 * groups * kEta);
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    auto w = view<uint8_t>(in, "w");
    const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    if (!is_engine(impl))
      return float_output(ref::llama2c::matmul_blocks(b_, ref::llama2c::q8_quantize(x, 32, ref::Rounding::away), w, n, d));
    std::vector<int8_t> xq(static_cast<size_t>(n));
    std::vector<float> xs(static_cast<size_t>(n / 32));
    nm_q8_quantize(xq.data(), xs.data(), x.data(), n, 32, NM_ROUND_AWAY);
    Guarded<float> g(static_cast<size_t>(d));
    auto ex = exec_for(impl);
    nm_par_matmul_blocks(ex.table, ex.pool, static_cast<int>(b_), g.data(), xq.data(), xs.data(), w.data(), n, d);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, c.get_int("d")));
  }

 private:
  Block b_;
};

}  // namespace

// Block::q5_0..q6_k in order; the engine's NM_BLK_* index is the enum's.
const Kernel* block_matmul_kernel(Block b) {
  static const BlockMatmul all[] = {BlockMatmul(kBlocks[0]), BlockMatmul(kBlocks[1]), BlockMatmul(kBlocks[2]),
                                    BlockMatmul(kBlocks[3]), BlockMatmul(kBlocks[4]), BlockMatmul(kBlocks[5]),
                                    BlockMatmul(kBlocks[6])};
  return &all[static_cast<size_t>(b)];
}

const Kernel* block_dequant_kernel(Block b) {
  static const BlockDequant all[] = {BlockDequant(kBlocks[0]), BlockDequant(kBlocks[1]), BlockDequant(kBlocks[2]),
                                     BlockDequant(kBlocks[3]), BlockDequant(kBlocks[4]), BlockDequant(kBlocks[5]),
                                     BlockDequant(kBlocks[6])};
  return &all[static_cast<size_t>(b)];
}

}  // namespace nineml::conformance::kern
