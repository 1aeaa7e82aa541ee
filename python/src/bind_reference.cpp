// p9ml.reference: the golden reference from Python: the exact Q8 scales, v0
// checkpoints and the reference Transformer in either mode. Its kernels in
// both modes (p9ml.reference.exact.*, p9ml.reference.llama2c.*) are p9ml's
// kernels with impl="ref-exact" | "ref-llama2c" (python/p9ml/reference/).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>

#include "arrays.hpp"
#include "paths.hpp"
#include "model_checks.hpp"
#include "ref_model.hpp"
#include "reference.hpp"

namespace p9ml {

namespace ref = nineml::ref;

namespace {

ref::Mode parse_mode(const std::string& mode) {
  if (mode == "exact") return ref::Mode::exact;
  if (mode == "llama2c") return ref::Mode::llama2c;
  throw ValueErr("reference.Transformer: argument 'mode' must be 'exact' or 'llama2c', got '" + mode + "'");
}

py::array_t<double> forward(RefModel& m, long long token, long long pos) {
  std::vector<double> logits = m.forward(token, pos, "reference.Transformer.forward");
  py::array_t<double> a(static_cast<py::ssize_t>(logits.size()));
  std::memcpy(a.mutable_data(), logits.data(), sizeof(double) * logits.size());
  return a;
}

py::dict generate(const RefModel& m, const std::vector<long long>& prompt, long long steps, float temperature,
                  float topp, uint64_t seed) {
  const auto& c = m.ck.config;
  std::vector<int> p = check_prompt(prompt, c.vocab_size, c.seq_len, "reference.Transformer.generate");
  int s = check_int(steps, "reference.Transformer.generate: argument 'steps'", 0, INT_MAX);
  if (!(temperature >= 0)) throw ValueErr("reference.Transformer.generate: argument 'temperature' must be >= 0");
  ref::Generation g = ref::generate(m.ck, m.mode, p, s, temperature, topp, seed);
  py::list logits;
  for (const auto& l : g.logits) {
    py::array_t<double> a(static_cast<py::ssize_t>(l.size()));
    std::memcpy(a.mutable_data(), l.data(), sizeof(double) * l.size());
    logits.append(a);
  }
  py::dict d;
  d["tokens"] = g.tokens;
  d["logits"] = logits;
  return d;
}

}  // namespace

void bind_reference(py::module_& m) {
  using py::arg;
  auto r = m.def_submodule("reference", "The golden reference: exact (float64) and llama2c (float32) modes.");
  // The kernels with impl fixed (reference.exact.softmax, reference.llama2c.*)
  // are made in Python, python/p9ml/reference/; q8_scales has no engine twin.
  auto exact = r.def_submodule("exact", "Reference kernels in exact mode (float64 results).");
  exact.def(
      "q8_scales",
      [](const py::object& xo, long long gs) {
        auto x = check_array<float>(xo, "reference.exact.q8_scales: argument 'x'", 1, false);
        int g = check_int(gs, "reference.exact.q8_scales: argument 'group_size'", 1, INT_MAX);
        if (x.size == 0 || x.size % g)
          throw ValueErr("reference.exact.q8_scales: length " + std::to_string(x.size) +
                         " is not a positive multiple of group_size " + std::to_string(g));
        auto s = ref::exact::q8_scales({x.ptr, static_cast<size_t>(x.size)}, g);
        py::array_t<double> a(static_cast<py::ssize_t>(s.size()));
        std::memcpy(a.mutable_data(), s.data(), sizeof(double) * s.size());
        return a;
      },
      arg("x"), arg("group_size"), "Exact Q8_0 scales max|x|/127 per group, float64.");

  py::class_<RefModel>(r, "Transformer", "The reference Transformer (reference/transformer.cpp) over a v0 checkpoint.")
      .def(py::init([](const py::object& path, const std::string& mode) {
             return std::make_unique<RefModel>(input_file(path, "Transformer"), parse_mode(mode));
           }),
           arg("path"), arg("mode") = "exact")
      .def_property_readonly("mode", [](const RefModel& rm) { return std::string(ref::mode_name(rm.mode)); })
      .def_property_readonly("config", [](const RefModel& rm) { return config_dict(rm.ck.config); })
      .def("forward", &forward, arg("token"), arg("pos"),
           "Logits (float64; float32 values in llama2c mode) of token at pos. Positions are fed in order "
           "0, 1, 2, ...; pos may also restart at 0 or repeat an earlier position (the cache is overwritten).")
      .def("reset", &RefModel::reset, "Starts over at position 0.")
      .def("generate", &generate, arg("prompt_tokens"), arg("steps"), arg("temperature") = 0.0f,
           arg("topp") = 0.9f, arg("seed") = 1ULL,
           "run.c's generate loop: returns {'tokens': [...], 'logits': [ndarray, ...]}.");
}

}  // namespace p9ml
