// An engine nm_model built in memory from a reference checkpoint and a
// storage (f32, Q8, Q4_0, F16, BF16), made with the reference's own quantizers so
// the engine and the reference read the very same weight bytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernel_table.h"
#include "model.h"
#include "reference.hpp"

namespace nineml::conformance {

class EngineModel {
 public:
  EngineModel(const ref::Checkpoint& ck, const ref::Quant& quant, const std::string& arch);
  EngineModel(const EngineModel&) = delete;
  EngineModel& operator=(const EngineModel&) = delete;
  ~EngineModel();
  const nm_model* get() const { return &m_; }
  // The Q8 matrices also in k's packed layout (nm_model_pack, as `9ml run`
  // does); returns how many matrices are packed for k.
  int pack(const nm_kernel_table* k);
  // Gives the model the generated test vocabulary (fixtures/vocab_gen.hpp)
  // as a GGUF file carries it: pieces with U+2581 for spaces, token types
  // (unknown, control BOS/EOS, byte <0xHH>, normal). Needs vocab_size ==
  // test_vocab().size(); throws std::invalid_argument otherwise.
  void attach_test_vocab();

 private:
  struct Store;  // owns every buffer the tensors point into
  // role and layer: where the matrix sits, for a GGUF storage's per-matrix type (ref::gguf_matrix_type).
  nm_tensor make(const std::vector<float>& t, std::size_t offset, int rows, int cols, ref::Matrix role, int layer);
  std::vector<nm_tensor> make_layers(const std::vector<float>& t, int rows, int cols, ref::Matrix role);

  ref::Checkpoint ck_;
  ref::Quant quant_;
  std::shared_ptr<Store> store_;
  std::vector<nm_tensor> wq_, wk_, wv_, wo_, w1_, w2_, w3_;
  nm_model m_{};
};

}  // namespace nineml::conformance
