#include "plan.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace nineml::vm {

namespace fs = std::filesystem;

const std::vector<Program>& programs() {
  static const std::vector<Program> p = {
      {"ct_rmsnorm", {"rmsnorm"}},
      {"ct_softmax", {"softmax"}},
      {"ct_matmul", {"matmul_f32", "matmul_f16", "matmul_bf16"}},
      {"ct_rope", {"rope"}},
      {"ct_attention", {"attention"}},
      {"ct_elementwise", {"silu", "swiglu", "residual_add"}},
      {"ct_q8", {"q8_0_quantize", "q8_0_dequantize", "matmul_q8_0"}},
      {"ct_gguf",
       {"dequant_q8_0", "dequant_q4_0", "f16_to_f32", "bf16_to_f32", "matmul_q4_0", "dequant_q5_0", "dequant_q5_1",
        "dequant_q2_k", "dequant_q3_k", "dequant_q4_k", "dequant_q5_k", "dequant_q6_k", "matmul_q5_0", "matmul_q5_1",
        "matmul_q2_k", "matmul_q3_k", "matmul_q4_k", "matmul_q5_k", "matmul_q6_k"}},
      {"ct_rng", {"rng"}},
      {"ct_sampling", {"sample_argmax", "sample_mult", "sample_topp", "sample"}},
  };
  return p;
}

std::string program_for(const std::string& kernel) {
  for (const auto& p : programs())
    for (const auto& k : p.kernels)
      if (k == kernel) return p.name;
  return "";
}

// The GGUF block types beyond Q4_0 (matmul_q4_k, ...) run once, scalar on
// one worker: no guest level has its own entry for them (plan9-sse2 and
// the host's sse2 take scalar's), and their pool split is the products'
// shared one that matmul_q4_0 runs on 2-4 workers here and the registry
// runs on every thread count (docs/VMHARNESS.md).
bool pool_dispatched(const std::string& kernel) {
  return kernel == "matmul_f32" || kernel == "attention" || kernel == "matmul_q8_0" || kernel == "matmul_q4_0" ||
         kernel == "matmul_f16" || kernel == "matmul_bf16";
}

bool table_kernel(const std::string& kernel) {
  static const std::set<std::string> s = {"rmsnorm",     "softmax",       "matmul_f32",  "rope",
                                          "attention",   "swiglu",        "residual_add", "q8_0_quantize",
                                          "matmul_q8_0", "matmul_q4_0",   "sample_argmax", "matmul_f16",
                                          "matmul_bf16"};
  return s.count(kernel) > 0;
}

Plan make_plan(const conformance::Selection& s, size_t max_input_bytes) {
  Plan plan;
  for (auto& sc : conformance::select_cases(s)) {
    std::string prog = program_for(sc.kernel->name());
    if (prog.empty()) {
      if (plan.not_covered.empty() || plan.not_covered.back() != sc.kernel->name())
        plan.not_covered.push_back(sc.kernel->name());
      continue;
    }
    conformance::Tensors in = sc.kernel->inputs(sc.spec);
    size_t bytes = 0;
    for (const auto& t : in) bytes += t.to_npy().data.size();
    if (max_input_bytes && bytes > max_input_bytes) {
      plan.skipped_large++;
      continue;
    }
    char id[16];
    std::snprintf(id, sizeof id, "c%04zu", plan.cases.size());
    plan.by_program[prog].push_back(plan.cases.size());
    if (pool_dispatched(sc.kernel->name())) plan.pooled_by_program[prog].push_back(plan.cases.size());
    if (table_kernel(sc.kernel->name())) plan.table_by_program[prog].push_back(plan.cases.size());
    plan.cases.push_back({sc.kernel, sc.spec, id, prog, std::move(in)});
  }
  return plan;
}

std::string case_dir(const std::string& id) { return id.size() > 2 ? id.substr(0, id.size() - 2) : id; }

std::string case_file(const std::string& id, const std::string& name) { return case_dir(id) + "/" + name; }

void make_case_dirs(const Plan& p, const std::vector<size_t>& idx, const std::string& dir) {
  for (size_t i : idx) fs::create_directories(fs::path(dir) / case_dir(p.cases[i].id));
}

void write_plan(const Plan& p, const std::string& dir) {
  fs::create_directories(fs::path(dir) / "in");
  fs::create_directories(fs::path(dir) / "lists");
  fs::create_directories(fs::path(dir) / "out");
  auto write_list = [&](const std::string& name, const std::vector<size_t>& idx, bool inputs) {
    std::ofstream list(fs::path(dir) / "lists" / (name + ".txt"));
    for (size_t i : idx) {
      const PlannedCase& c = p.cases[i];
      list << c.id << " " << c.spec.key();
      for (const auto& t : c.inputs) {
        std::string file = c.id + "-" + t.name + ".npy";
        if (inputs) {
          fs::create_directories(fs::path(dir) / "in" / case_dir(c.id));
          fixtures::npy_write((fs::path(dir) / "in" / case_file(c.id, file)).string(), t.to_npy());
        }
        list << " " << file;
      }
      list << "\n";
    }
    if (!list) throw std::runtime_error(dir + "/lists/" + name + ".txt: write failed");
  };
  for (const auto& [prog, idx] : p.by_program) {
    write_list(prog, idx, true);
    make_case_dirs(p, idx, (fs::path(dir) / "out").string());
  }
  for (const auto& [prog, idx] : p.pooled_by_program) write_list(prog + "-pool", idx, false);
  for (const auto& [prog, idx] : p.table_by_program) write_list(prog + "-table", idx, false);
}

uint64_t fnv1a64(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {
const char kHead[9] = "9MLTRAIL";
const char kTail[9] = "TRAILEND";

uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; i++) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
}  // namespace

std::vector<uint8_t> add_trailer(const std::vector<uint8_t>& npy) {
  std::vector<uint8_t> out = npy;
  out.insert(out.end(), kHead, kHead + 8);
  put_u64(out, npy.size());
  put_u64(out, fnv1a64(npy.data(), npy.size()));
  out.insert(out.end(), kTail, kTail + 8);
  return out;
}

std::string check_trailer(const std::vector<uint8_t>& b, std::vector<uint8_t>* npy) {
  if (b.size() < kTrailerBytes)
    return "truncated (" + std::to_string(b.size()) + " bytes, no trailer)";
  const uint8_t* t = b.data() + b.size() - kTrailerBytes;
  if (std::memcmp(t, kHead, 8) != 0 || std::memcmp(t + 24, kTail, 8) != 0)
    return "truncated (" + std::to_string(b.size()) + " bytes, no trailer at the end)";
  uint64_t len = get_u64(t + 8);
  if (len != b.size() - kTrailerBytes)
    return "truncated (trailer says " + std::to_string(len) + " bytes, file has " +
           std::to_string(b.size() - kTrailerBytes) + ")";
  uint64_t sum = fnv1a64(b.data(), static_cast<size_t>(len));
  if (sum != get_u64(t + 16)) return "bad checksum";
  if (npy) npy->assign(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(len));
  return "";
}

std::string read_outputs(const PlannedCase& c, const std::string& out_dir, std::vector<fixtures::NpyArray>* outs) {
  outs->clear();
  for (int k = 0;; k++) {
    fs::path path = fs::path(out_dir) / case_file(c.id, c.id + "-out" + std::to_string(k) + ".npy");
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      if (k == 0) return "output 0 missing (" + path.filename().string() + ")";
      return "";
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<uint8_t> npy;
    std::string why = check_trailer(bytes, &npy);
    if (!why.empty()) return "output " + std::to_string(k) + " " + why;
    try {
      outs->push_back(fixtures::npy_decode(npy, path.filename().string()));
    } catch (const std::exception& e) {
      return std::string("output malformed: ") + e.what();
    }
  }
}

std::string output_digest(const PlannedCase& c, const std::string& out_dir) {
  std::string d;
  for (int k = 0;; k++) {
    std::ifstream f(fs::path(out_dir) / case_file(c.id, c.id + "-out" + std::to_string(k) + ".npy"), std::ios::binary);
    if (!f) return d;
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes.data(), bytes.size())));
    if (k) d += ',';
    d += hex;
  }
}

report::CaseResult failed_case(const PlannedCase& c, const conformance::Impl& impl, const std::string& why) {
  report::CaseResult r =
      conformance::case_result_head(*c.kernel, c.spec, impl.name, conformance::repro_line(c.spec, impl.name));
  r.contract = impl.contract;
  r.passed = false;
  r.failure = why;
  r.ulp_histogram.assign(report::kUlpBins, 0);
  return r;
}

report::CaseResult judge_case(const PlannedCase& c, const conformance::Impl& impl, const std::string& out_dir,
                              const std::string& fault) {
  std::vector<fixtures::NpyArray> outs;
  std::string why = read_outputs(c, out_dir, &outs);
  if (!why.empty()) return failed_case(c, impl, fault.empty() ? why : fault + "; " + why);
  conformance::Output got;
  try {
    got = c.kernel->decode(c.spec, c.inputs, outs);
  } catch (const std::exception& e) {
    return failed_case(c, impl, std::string("output rejected: ") + e.what());
  }
  conformance::Expected e = c.kernel->expected(c.spec, c.inputs);
  conformance::Output ref;
  if (!impl.contract.empty()) ref = c.kernel->run(c.spec, c.inputs, conformance::ImplKind::ref_llama2c);
  report::CaseResult r = conformance::judge(*c.kernel, c.spec, impl, c.inputs, e, got, impl.contract.empty() ? nullptr : &ref);
  if (!fault.empty() && r.passed) {
    r.passed = false;
    r.failure = fault;
  }
  return r;
}

}  // namespace nineml::vm
