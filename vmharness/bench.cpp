#include "bench.hpp"

#include <charconv>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace nineml::vm {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

// "12" and "3.5e+02" as numbers, anything else as the string.
nlohmann::ordered_json value_of(const std::string& v) {
  const char* end = v.data() + v.size();
  long long i = 0;
  auto ri = std::from_chars(v.data(), end, i);
  if (!v.empty() && ri.ec == std::errc() && ri.ptr == end) return i;
  double d = 0;
  auto rd = std::from_chars(v.data(), end, d);
  if (!v.empty() && rd.ec == std::errc() && rd.ptr == end) return d;
  return v;
}

}  // namespace

nlohmann::ordered_json parse_bench(const std::string& text) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  auto decode = nlohmann::ordered_json::array(), kernels = nlohmann::ordered_json::array(),
       ratios = nlohmann::ordered_json::array();
  bool info = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the guest's console line ends
    std::vector<std::string> f = split(line, '\t');
    if (f.size() < 3 || f[0] != "bench") continue;
    nlohmann::ordered_json rec = nlohmann::ordered_json::object();
    for (size_t i = 2; i < f.size(); i++) {
      size_t eq = f[i].find('=');
      if (eq == std::string::npos) throw std::runtime_error("bench line without key=value: " + line);
      rec[f[i].substr(0, eq)] = value_of(f[i].substr(eq + 1));
    }
    if (f[1] == "info") {
      info = true;
      for (auto& [k, v] : rec.items()) j[k] = v;
      j["emulated"] = rec.value("emulated", 0) == 1;
      j["levels"] = split(rec.value("levels", std::string()), ',');
    } else if (f[1] == "decode") {
      decode.push_back(rec);
    } else if (f[1] == "kernel") {
      kernels.push_back(rec);
    } else if (f[1] == "ratio") {
      ratios.push_back(rec);
    }
  }
  if (!info) throw std::runtime_error("no bench info line (6.bench did not start or its output is lost)");
  if (decode.empty() || kernels.empty())
    throw std::runtime_error("no decode or kernel figures (6.bench did not finish)");
  j["decode"] = decode;
  j["kernels"] = kernels;
  j["ratios"] = ratios;
  return j;
}

std::string bench_human_lines(const std::string& text) {
  std::string out, line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("bench\t", 0) != 0) out += line + "\n";
  }
  return out;
}

}  // namespace nineml::vm
