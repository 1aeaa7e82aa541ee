#include "common.hpp"

namespace nineml::conformance::kern {

const std::vector<int64_t>& edge_lengths() {
  static const std::vector<int64_t> v = {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 4095, 4097};
  return v;
}

const std::vector<int64_t>& model_lengths() {
  static const std::vector<int64_t> v = {64, 288, 768, 2048, 4096, 32000};
  return v;
}

std::vector<int64_t> all_lengths() {
  std::vector<int64_t> v = edge_lengths();
  v.insert(v.end(), model_lengths().begin(), model_lengths().end());
  return v;
}

std::vector<CaseSpec> grid(const std::string& kernel, const std::vector<std::string>& dists,
                           const std::function<void(CaseSpec&, int64_t, size_t)>& shape) {
  std::vector<CaseSpec> out;
  auto lens = all_lengths();
  for (size_t i = 0; i < lens.size(); i++)
    for (const auto& d : dists) {
      CaseSpec c;
      c.kernel = kernel;
      c.dist = d;
      shape(c, lens[i], i);
      out.push_back(std::move(c));
    }
  return out;
}

}  // namespace nineml::conformance::kern
