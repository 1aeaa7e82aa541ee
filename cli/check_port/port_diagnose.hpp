// Which kernel most likely made a port diverge (docs/CHECK_PORT.md, "The
// diagnosis"): the port's logits at its first diverging position against
// the engine's scalar forward pass (bit-exact with the reference's llama2c
// mode) fed another token there, or run with one kernel swapped for a known
// wrong variant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "port_compare.hpp"

namespace nineml::cli::port {

class Diagnoser {
 public:
  // Loads the fixture model with the engine; std::runtime_error "PATH: problem".
  explicit Diagnoser(const std::string& model_path);
  ~Diagnoser();
  Diagnoser(const Diagnoser&) = delete;
  Diagnoser& operator=(const Diagnoser&) = delete;

  // One line naming the likely cause. `div`: the first token the port
  // missed (none when only its logits differ); `logits`: the port's rows, if
  // it dumped them; `ids_known`: the port printed ids (so its prompt ids are
  // known, not guessed from text).
  std::string explain(const Expected& e, const nm_vocab& vocab, const std::optional<Divergence>& div,
                      const std::vector<std::vector<float>>* logits, bool ids_known);

 private:
  struct Impl;
  Impl* impl_;
};

// The first position whose port logits exceed the tolerance (among the rows
// both runs fed the same tokens), if any.
std::optional<size_t> first_logits_divergence(const Expected& e, const std::vector<std::vector<float>>& logits,
                                              size_t rows);

}  // namespace nineml::cli::port
