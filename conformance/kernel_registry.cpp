// The registry of kernel plugins: every kernel in conformance/kernels/.
#include "kernel.hpp"
#include "reference.hpp"

namespace nineml::conformance {

namespace kern {
const Kernel* rmsnorm_kernel();
const Kernel* softmax_kernel();
const Kernel* matmul_f32_kernel();
const Kernel* rope_kernel();
const Kernel* attention_kernel();
const Kernel* silu_kernel();
const Kernel* swiglu_kernel();
const Kernel* residual_add_kernel();
const Kernel* q8_quantize_kernel();
const Kernel* q8_dequantize_kernel();
const Kernel* matmul_q8_kernel();
const Kernel* matmul_q4_0_kernel();
const Kernel* dequant_q8_0_kernel();
const Kernel* dequant_q4_0_kernel();
const Kernel* f16_kernel();
const Kernel* bf16_kernel();
const Kernel* rng_kernel();
const Kernel* argmax_kernel();
const Kernel* multinomial_kernel();
const Kernel* topp_kernel();
const Kernel* sample_kernel();
const Kernel* batch_f32_kernel();
const Kernel* batch_q8_kernel();
const Kernel* batch_q4_0_kernel();
const Kernel* matmul_f16_kernel();
const Kernel* matmul_bf16_kernel();
const Kernel* batch_f16_kernel();
const Kernel* batch_bf16_kernel();
const Kernel* block_matmul_kernel(ref::Block b);
const Kernel* block_dequant_kernel(ref::Block b);
const Kernel* batch_block_kernel(ref::Block b);
}  // namespace kern

// The GGUF block types (Q4_K and Q6_K first: the K-quant models' bulk),
// each with its product, batched product and dequantization.
static std::vector<const Kernel*> with_block_types(std::vector<const Kernel*> all) {
  using ref::Block;
  for (Block b : {Block::q4_k, Block::q6_k, Block::q5_0, Block::q5_1, Block::q5_k, Block::q3_k, Block::q2_k})
    for (const Kernel* k : {kern::block_matmul_kernel(b), kern::batch_block_kernel(b), kern::block_dequant_kernel(b)})
      all.push_back(k);
  return all;
}

const std::vector<const Kernel*>& kernels() {
  static const std::vector<const Kernel*> all = with_block_types({
      kern::rmsnorm_kernel(),      kern::softmax_kernel(),       kern::matmul_f32_kernel(),
      kern::rope_kernel(),         kern::attention_kernel(),     kern::silu_kernel(),
      kern::swiglu_kernel(),       kern::residual_add_kernel(),  kern::q8_quantize_kernel(),
      kern::q8_dequantize_kernel(), kern::matmul_q8_kernel(),    kern::matmul_q4_0_kernel(),    kern::dequant_q8_0_kernel(),
      kern::dequant_q4_0_kernel(), kern::f16_kernel(),           kern::bf16_kernel(),
      kern::rng_kernel(),          kern::argmax_kernel(),        kern::multinomial_kernel(),
      kern::topp_kernel(),         kern::sample_kernel(),
      // the batched products (prefill), judged per token as their row kernels
      kern::batch_f32_kernel(),    kern::batch_q8_kernel(),      kern::batch_q4_0_kernel(),
      // 16-bit float weights (F16/BF16 kept as stored), row and batched
      kern::matmul_f16_kernel(),   kern::matmul_bf16_kernel(),   kern::batch_f16_kernel(),
      kern::batch_bf16_kernel(),
  });
  return all;
}

const Kernel* find_kernel(const std::string& name) {
  for (const Kernel* k : kernels())
    if (k->name() == name) return k;
  return nullptr;
}

}  // namespace nineml::conformance
