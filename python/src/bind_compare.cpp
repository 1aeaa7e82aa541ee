// The conformance comparator and reports from Python: case inputs and exact
// expectations of the registry, compare() through conformance::judge(),
// run_case() through conformance::run_case(), and report::Report with the
// C++ writers. Nothing here recomputes a metric or a bound.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <ctime>

#include "arrays.hpp"
#include "paths.hpp"
#include "environment.hpp"
#include "kernel.hpp"
#include "result_dict.hpp"
#include "runner.hpp"

namespace p9ml {

namespace conf = nineml::conformance;
namespace rep = nineml::report;

namespace {

// A kernel outside the registry (e.g. the oracle's forward pass): the caller
// brings the expected values, the result and the bound; judge() does the rest.
class ExternalKernel final : public conf::Kernel {
 public:
  ExternalKernel(std::string name, std::string kind, std::string note)
      : name_(std::move(name)), kind_(std::move(kind)), note_(std::move(note)) {}
  std::string name() const override { return name_; }
  std::string tolerance_kind() const override { return kind_; }
  std::string tolerance_note() const override { return note_; }
  // An external kernel has no built-in cases and no inputs of its own.
  std::vector<conf::CaseSpec> cases() const override { return {}; }
  conf::Tensors inputs(const conf::CaseSpec&) const override { return {}; }
  conf::Expected expected(const conf::CaseSpec&, const conf::Tensors&) const override {
    throw std::logic_error(name_ + ": external kernel; the caller supplies the expected values");
  }
  conf::Output run(const conf::CaseSpec&, const conf::Tensors&, conf::ImplKind) const override {
    throw std::logic_error(name_ + ": external kernel; results are computed outside the registry");
  }

 private:
  std::string name_, kind_, note_;
};

// A case key of the registry, or ValueError.
std::pair<const conf::Kernel*, conf::CaseSpec> registry_case(const std::string& key) {
  conf::CaseSpec c;
  try {
    c = conf::CaseSpec::parse(key);
  } catch (const std::exception& e) {
    throw ValueErr(std::string("case: ") + e.what());
  }
  const conf::Kernel* k = conf::find_kernel(c.kernel);
  if (!k) throw ValueErr("case '" + key + "': unknown kernel '" + c.kernel + "'");
  return {k, c};
}

py::array tensor_to_array(const conf::Tensor& t) {
  std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
  return std::visit(
      [&](const auto& v) -> py::array {
        using T = typename std::decay_t<decltype(v)>::value_type;
        py::array_t<T> a(shape);
        if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), sizeof(T) * v.size());
        return a;
      },
      t.data);
}

py::array_t<double> doubles_to_array(const std::vector<double>& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), sizeof(double) * v.size());
  return a;
}

// float32 or float64 values, any shape, flattened in C order.
std::vector<double> values_of(const py::object& o, const std::string& what) {
  if (py::isinstance<py::array_t<double>>(o)) {
    auto v = check_array<double>(o, what, -1, false);
    return {v.ptr, v.ptr + v.size};
  }
  if (py::isinstance<py::array_t<float>>(o)) {
    auto v = check_array<float>(o, what, -1, false);
    return {v.ptr, v.ptr + v.size};
  }
  if (py::isinstance<py::array>(o))
    throw TypeErr(what + " must be a float32 or float64 numpy.ndarray, got " + std::string(py::str(o.attr("dtype"))) +
                  " array");
  throw TypeErr(what + " must be a float32 or float64 numpy.ndarray, got an object of type " +
                std::string(py::str(py::type::handle_of(o).attr("__name__"))));
}

void require_len(const std::vector<double>& v, size_t n, const std::string& what) {
  if (v.size() != n)
    throw ValueErr(what + " has " + std::to_string(v.size()) + " elements, expected " + std::to_string(n));
}

py::dict compare(const py::object& expected, const py::object& got, const py::object& bound,
                 const py::object& kernel, const py::object& case_, const std::string& impl_name,
                 const std::string& tolerance_note) {
  conf::Impl impl{impl_name, conf::ImplKind::engine_scalar, false, ""};
  std::vector<double> g = values_of(got, "compare: argument 'got'");
  conf::Output out;
  out.values = g;
  out.raw = g;
  std::string kname = kernel.is_none() ? "" : kernel.cast<std::string>();
  if (kname.empty() || conf::find_kernel(kname)) {
    if (case_.is_none())
      throw ValueErr("compare: argument 'case' (a registry key such as 'softmax/n=17/normal/seed=1') is required "
                     "for registry kernels");
    auto [k, c] = registry_case(case_.cast<std::string>());
    if (!kname.empty() && kname != k->name())
      throw ValueErr("compare: kernel '" + kname + "' does not match case '" + c.key() + "'");
    conf::Tensors in = k->inputs(c);
    conf::Expected e = k->expected(c, in);
    if (!expected.is_none()) {
      // The registry's bounds belong to the registry's exact values: a
      // caller's own expected values come with the caller's own bounds.
      if (bound.is_none())
        throw ValueErr("compare: argument 'expected' was given for registry case '" + c.key() +
                       "', so 'bound' is required too (the registry's bounds hold for its own expected values; "
                       "leave expected=None to use both from the registry)");
      auto ex = values_of(expected, "compare: argument 'expected'");
      require_len(ex, e.value.size(), "compare: argument 'expected'");
      e.value = std::move(ex);
    }
    if (!bound.is_none()) {
      auto b = values_of(bound, "compare: argument 'bound'");
      require_len(b, e.value.size(), "compare: argument 'bound'");
      e.bound = std::move(b);
    }
    require_len(g, e.value.size(), "compare: argument 'got'");
    return result_to_dict(conf::judge(*k, c, impl, in, e, out, nullptr));
  }
  if (expected.is_none() || bound.is_none() || case_.is_none())
    throw ValueErr("compare: kernel '" + kname +
                   "' is not in the registry, so 'expected', 'bound' and 'case' (a case name) are required");
  conf::Expected e{values_of(expected, "compare: argument 'expected'"), values_of(bound, "compare: argument 'bound'")};
  require_len(e.bound, e.value.size(), "compare: argument 'bound'");
  require_len(g, e.value.size(), "compare: argument 'got'");
  ExternalKernel k(kname, "bound", tolerance_note.empty() ? "bound supplied by the caller" : tolerance_note);
  conf::CaseSpec c;
  c.kernel = kname;
  c.dist = "external";
  c.seed = 0;
  rep::CaseResult r = conf::judge(k, c, impl, {}, e, out, nullptr);
  r.case_id = case_.cast<std::string>();
  r.repro = "";
  r.shape = "n=" + std::to_string(e.value.size());
  return result_to_dict(r);
}

py::list run_case(const std::string& key, const py::object& impl) {
  auto [k, c] = registry_case(key);
  conf::Selection sel;
  if (!impl.is_none()) sel.impls.push_back(impl.cast<std::string>());
  std::vector<const conf::Impl*> impls;
  try {
    impls = conf::select_impls(sel);
  } catch (const std::exception& e) {
    throw ValueErr(std::string("run_case: ") + e.what());
  }
  py::list out;
  for (const auto& r : conf::run_case(*k, c, impls)) out.append(result_to_dict(r));
  return out;
}

std::string now_utc() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return iso;
}

py::list summaries(const rep::Report& r) {
  py::list out;
  for (const auto& s : rep::summarize(r)) {
    py::dict d;
    d["kernel"] = s.kernel;
    d["impl"] = s.impl;
    d["cases"] = s.cases;
    d["failed"] = s.failed;
    d["max_ulp"] = s.max_ulp;
    d["max_bound_ratio"] = s.max_bound_ratio;
    d["max_rel"] = s.max_rel;
    d["tolerance_kind"] = s.tolerance_kind;
    out.append(d);
  }
  return out;
}

}  // namespace

void bind_compare(py::module_& m) {
  using py::arg;
  m.def(
      "kernels", [] {
        std::vector<std::string> names;
        for (const conf::Kernel* k : conf::kernels()) names.push_back(k->name());
        return names;
      },
      "Names of the registry's kernels.");
  m.def(
      "cases", [](const std::string& kernel) {
        const conf::Kernel* k = conf::find_kernel(kernel);
        if (!k) throw ValueErr("cases: unknown kernel '" + kernel + "'");
        std::vector<std::string> keys;
        for (const auto& c : k->cases()) keys.push_back(c.key());
        return keys;
      },
      arg("kernel"), "The registry's case keys of a kernel (seed 1).");
  m.def(
      "case_inputs", [](const std::string& key) {
        auto [k, c] = registry_case(key);
        py::dict d;
        for (const auto& t : k->inputs(c)) d[py::str(t.name)] = tensor_to_array(t);
        return d;
      },
      arg("key"), "A case's inputs, by name, as the registry generates them.");
  m.def(
      "case_expected", [](const std::string& key) {
        auto [k, c] = registry_case(key);
        auto e = k->expected(c, k->inputs(c));
        return py::make_tuple(doubles_to_array(e.value), doubles_to_array(e.bound));
      },
      arg("key"), "A case's exact values and per-element bounds: (value, bound), float64.");
  m.def("compare", &compare, arg("expected"), arg("got"), arg("bound") = py::none(), py::kw_only(),
        arg("kernel") = py::none(), arg("case") = py::none(), arg("impl") = "python", arg("tolerance_note") = "",
        "Judges `got` with the C++ comparator (conformance::judge) and returns the result dict. "
        "For a registry case, expected/bound default to the kernel's exact values and bounds; "
        "for a kernel outside the registry, expected, bound and a case name are required.");
  m.def("run_case", &run_case, arg("key"), arg("impl") = py::none(),
        "Runs a registry case in process on one conformance implementation (all when None); "
        "returns a list of result dicts.");
  m.def(
      "conformance_impls", [] {
        std::vector<std::string> names;
        for (const auto& i : conf::impls()) names.push_back(i.name);
        return names;
      },
      "Implementation names run_case() accepts.");

  py::class_<rep::Report>(m, "Report", "A report in the one schema (reports/report.hpp).")
      .def(py::init([](const std::string& host, const std::string& command) {
             rep::Report r;
             r.host = host;
             r.command = command;
             r.tool_version = rep::tool_version();
             r.environment = rep::host_environment();
             r.created_utc = now_utc();
             return r;
           }),
           arg("host") = "python", arg("command") = "p9ml")
      .def_static(
          "read", [](const py::object& path) { return rep::read_json(input_file(path, "Report.read")); }, arg("path"),
          "Reads a report.json.")
      .def(
          "add", [](rep::Report& r, const py::dict& d) { r.cases.push_back(result_from_dict(d)); }, arg("result"),
          "Appends one result dict (from compare() or run_case()).")
      .def(
          "extend", [](rep::Report& r, const py::list& l) {
            for (auto item : l) {
              if (!py::isinstance<py::dict>(item)) throw TypeErr("Report.extend: every item must be a result dict");
              r.cases.push_back(result_from_dict(py::reinterpret_borrow<py::dict>(item)));
            }
          },
          arg("results"))
      .def_property_readonly("cases", [](const rep::Report& r) {
        py::list l;
        for (const auto& c : r.cases) l.append(result_to_dict(c));
        return l;
      })
      .def_readwrite("host", &rep::Report::host)
      .def_readwrite("command", &rep::Report::command)
      .def_readwrite("seconds", &rep::Report::seconds)
      .def_readonly("created_utc", &rep::Report::created_utc)
      .def("__len__", [](const rep::Report& r) { return r.cases.size(); })
      .def("summary", &summaries, "Per kernel x impl aggregates, as in summary.md.")
      .def(
          "write", [](const rep::Report& r, const py::object& dir) { rep::write_all(r, path_arg(dir, "Report.write")); },
          arg("dir"),
          "Writes report.json, junit.xml, summary.md and index.html into dir.")
      .def(
          "write_json",
          [](const rep::Report& r, const py::object& path) { rep::write_json(r, path_arg(path, "Report.write_json")); },
          arg("path"));
}

}  // namespace p9ml
