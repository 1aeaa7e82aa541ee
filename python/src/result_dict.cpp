// CaseResult <-> dict: one table of fields, read and written the same way.
#include "result_dict.hpp"

#include <pybind11/stl.h>

#include "arrays.hpp"

namespace p9ml {

namespace rep = nineml::report;

namespace {

template <class M>
struct Field {
  const char* name;
  M rep::CaseResult::*member;
};

const Field<std::string> kStrings[] = {
    {"kernel", &rep::CaseResult::kernel},     {"impl", &rep::CaseResult::impl},
    {"case_id", &rep::CaseResult::case_id},   {"repro", &rep::CaseResult::repro},
    {"shape", &rep::CaseResult::shape},       {"distribution", &rep::CaseResult::distribution},
    {"failure", &rep::CaseResult::failure},   {"tolerance_kind", &rep::CaseResult::tolerance_kind},
    {"tolerance_note", &rep::CaseResult::tolerance_note}, {"contract", &rep::CaseResult::contract},
};
const Field<double> kDoubles[] = {
    {"max_abs", &rep::CaseResult::max_abs},       {"max_rel", &rep::CaseResult::max_rel},
    {"max_ulp", &rep::CaseResult::max_ulp},       {"nmse", &rep::CaseResult::nmse},
    {"cosine", &rep::CaseResult::cosine},         {"bound_ratio", &rep::CaseResult::bound_ratio},
    {"contract_max_ulp", &rep::CaseResult::contract_max_ulp}, {"seconds", &rep::CaseResult::seconds},
};
const Field<bool> kBools[] = {
    {"passed", &rep::CaseResult::passed},
    {"contract_ok", &rep::CaseResult::contract_ok},
    {"guards_ok", &rep::CaseResult::guards_ok},
};

const char* const kElementKeys[] = {"index", "expected", "got", "abs_error", "ulp", "bound"};

template <class T>
T get(const py::handle& v, const std::string& where, const char* wanted) {
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!py::isinstance<py::bool_>(v)) throw py::cast_error();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!py::isinstance<py::str>(v)) throw py::cast_error();
    }
    return v.cast<T>();
  } catch (const py::cast_error&) {
    throw TypeErr("result field '" + where + "' must be " + wanted + ", got " +
                  std::string(py::str(py::type::handle_of(v).attr("__name__"))));
  }
}

}  // namespace

py::dict result_to_dict(const rep::CaseResult& r) {
  py::dict d;
  for (const auto& f : kStrings) d[f.name] = r.*f.member;
  for (const auto& f : kDoubles) d[f.name] = r.*f.member;
  for (const auto& f : kBools) d[f.name] = r.*f.member;
  d["seed"] = r.seed;
  d["elements"] = r.elements;
  d["ulp_histogram"] = r.ulp_histogram;
  py::list worst;
  for (const auto& e : r.worst) {
    py::dict w;
    w["index"] = e.index;
    w["expected"] = e.expected;
    w["got"] = e.got;
    w["abs_error"] = e.abs_error;
    w["ulp"] = e.ulp;
    w["bound"] = e.bound;
    worst.append(w);
  }
  d["worst"] = worst;
  return d;
}

rep::CaseResult result_from_dict(const py::dict& d) {
  rep::CaseResult r;
  for (auto item : d) {
    std::string key = get<std::string>(item.first, "<key>", "a string");
    py::handle v = item.second;
    bool known = false;
    for (const auto& f : kStrings)
      if (key == f.name) { r.*f.member = get<std::string>(v, key, "a string"); known = true; }
    for (const auto& f : kDoubles)
      if (key == f.name) { r.*f.member = get<double>(v, key, "a number"); known = true; }
    for (const auto& f : kBools)
      if (key == f.name) { r.*f.member = get<bool>(v, key, "a bool"); known = true; }
    if (key == "seed") { r.seed = get<uint64_t>(v, key, "a non-negative integer"); known = true; }
    if (key == "elements") { r.elements = get<int64_t>(v, key, "an integer"); known = true; }
    if (key == "ulp_histogram") {
      r.ulp_histogram = get<std::vector<int64_t>>(v, key, "a list of integers");
      if (!r.ulp_histogram.empty() && r.ulp_histogram.size() != static_cast<size_t>(rep::kUlpBins))
        throw ValueErr("result field 'ulp_histogram' must have " + std::to_string(rep::kUlpBins) +
                       " bins or none, got " + std::to_string(r.ulp_histogram.size()));
      known = true;
    }
    if (key == "worst") {
      auto list = get<py::list>(v, key, "a list of dicts");
      for (size_t i = 0; i < list.size(); i++) {
        std::string where = "worst[" + std::to_string(i) + "]";
        auto e = get<py::dict>(list[i], where, "a dict");
        rep::Element el;
        for (const char* k : kElementKeys)
          if (!e.contains(k)) throw ValueErr("result field '" + where + "' lacks '" + k + "'");
        el.index = get<int64_t>(e["index"], where + ".index", "an integer");
        el.expected = get<double>(e["expected"], where + ".expected", "a number");
        el.got = get<double>(e["got"], where + ".got", "a number");
        el.abs_error = get<double>(e["abs_error"], where + ".abs_error", "a number");
        el.ulp = get<double>(e["ulp"], where + ".ulp", "a number");
        el.bound = get<double>(e["bound"], where + ".bound", "a number");
        r.worst.push_back(el);
      }
      known = true;
    }
    if (!known) throw ValueErr("result has an unknown field '" + key + "' (fields as in report.json)");
  }
  return r;
}

}  // namespace p9ml
