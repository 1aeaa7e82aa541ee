// The reference Transformer over a v0 checkpoint, as the bindings hold it
// (p9ml.reference.Transformer; p9ml.load runs the engine, bind_model.cpp).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "reference.hpp"

namespace p9ml {

namespace py = pybind11;

struct RefModel {
  nineml::ref::Checkpoint ck;
  std::unique_ptr<nineml::ref::Transformer> tf;
  nineml::ref::Mode mode;
  int next_pos = 0;

  // Reads a v0 checkpoint (ValueError "PATH: problem" when it cannot).
  RefModel(const std::string& path, nineml::ref::Mode mode);
  // Logits of token at pos after the range checks; `where` prefixes messages.
  std::vector<double> forward(long long token, long long pos, const std::string& where);
  void reset();
};

py::dict config_dict(const nineml::ref::Config& c);

}  // namespace p9ml
