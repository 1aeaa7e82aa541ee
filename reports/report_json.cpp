// report.json: writing, and reading with a schema check that names the
// offending field. Non-finite doubles are the strings "nan", "inf", "-inf".
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "detail.hpp"
#include "json_real.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using ojson = nlohmann::ordered_json;  // keeps the written field order readable
using nlohmann::json;

constexpr int kSchemaVersion = 1;

ojson encode_element(const Element& e) {
  ojson j;
  j["index"] = e.index;
  j["expected"] = json_real(e.expected);
  j["got"] = json_real(e.got);
  j["abs_error"] = json_real(e.abs_error);
  j["ulp"] = json_real(e.ulp);
  j["bound"] = json_real(e.bound);
  return j;
}

ojson encode_case(const CaseResult& c) {
  ojson j;
  j["kernel"] = c.kernel;
  j["impl"] = c.impl;
  j["case_id"] = c.case_id;
  j["repro"] = c.repro;
  j["shape"] = c.shape;
  j["distribution"] = c.distribution;
  j["seed"] = c.seed;
  j["passed"] = c.passed;
  j["failure"] = c.failure;
  j["elements"] = c.elements;
  j["max_abs"] = json_real(c.max_abs);
  j["max_rel"] = json_real(c.max_rel);
  j["max_ulp"] = json_real(c.max_ulp);
  j["nmse"] = json_real(c.nmse);
  j["cosine"] = json_real(c.cosine);
  j["bound_ratio"] = json_real(c.bound_ratio);
  j["tolerance_kind"] = c.tolerance_kind;
  j["tolerance_note"] = c.tolerance_note;
  if (c.error_unit != "ulp") j["error_unit"] = c.error_unit;
  j["contract"] = c.contract;
  j["contract_ok"] = c.contract_ok;
  j["contract_max_ulp"] = json_real(c.contract_max_ulp);
  j["guards_ok"] = c.guards_ok;
  j["ulp_histogram"] = c.ulp_histogram;
  ojson worst = ojson::array();
  for (const Element& e : c.worst) worst.push_back(encode_element(e));
  j["worst"] = std::move(worst);
  j["seconds"] = json_real(c.seconds);
  if (!c.output_digest.empty()) j["output_digest"] = c.output_digest;
  if (!c.xfail.empty()) j["xfail"] = c.xfail;
  return j;
}

// Reads typed fields out of parsed JSON; every error names the file and the
// field's path inside it, e.g. "out/report.json: cases[2].max_ulp: ...".
class Decoder {
 public:
  explicit Decoder(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
    throw std::runtime_error(file_ + ": " + (where.empty() ? "" : where + ": ") + problem);
  }

  const json& field(const json& obj, const char* key, const std::string& where) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(where, std::string("missing field \"") + key + "\"");
    return *it;
  }

  std::string str(const json& obj, const char* key, const std::string& where) const {
    const json& v = field(obj, key, where);
    if (!v.is_string()) wrong_type(join(where, key), "a string", v);
    return v.get<std::string>();
  }

  bool boolean(const json& obj, const char* key, const std::string& where) const {
    const json& v = field(obj, key, where);
    if (!v.is_boolean()) wrong_type(join(where, key), "true or false", v);
    return v.get<bool>();
  }

  double number(const json& obj, const char* key, const std::string& where) const {
    return number_value(field(obj, key, where), join(where, key));
  }

  double number_value(const json& v, const std::string& where) const {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    wrong_type(where, "a number or one of \"nan\", \"inf\", \"-inf\"", v);
  }

  int64_t int64(const json& obj, const char* key, const std::string& where) const {
    return int64_value(field(obj, key, where), join(where, key));
  }

  int64_t int64_value(const json& v, const std::string& where) const {
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail(where, "integer out of range");
      return static_cast<int64_t>(u);
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    wrong_type(where, "an integer", v);
  }

  uint64_t uint64(const json& obj, const char* key, const std::string& where) const {
    const json& v = field(obj, key, where);
    if (!v.is_number_unsigned()) wrong_type(join(where, key), "a non-negative integer", v);
    return v.get<uint64_t>();
  }

  const json& array(const json& obj, const char* key, const std::string& where) const {
    const json& v = field(obj, key, where);
    if (!v.is_array()) wrong_type(join(where, key), "an array", v);
    return v;
  }

  void require_object(const json& v, const std::string& where) const {
    if (!v.is_object()) wrong_type(where, "an object", v);
  }

  static std::string join(const std::string& where, const char* key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  [[noreturn]] void wrong_type(const std::string& where, const char* wanted, const json& got) const {
    fail(where, std::string("expected ") + wanted + ", got " + got.type_name());
  }

  const std::string& file_;
};

Element decode_element(const Decoder& d, const json& j, const std::string& where) {
  d.require_object(j, where);
  Element e;
  e.index = d.int64(j, "index", where);
  e.expected = d.number(j, "expected", where);
  e.got = d.number(j, "got", where);
  e.abs_error = d.number(j, "abs_error", where);
  e.ulp = d.number(j, "ulp", where);
  e.bound = d.number(j, "bound", where);
  return e;
}

CaseResult decode_case(const Decoder& d, const json& j, const std::string& where) {
  d.require_object(j, where);
  CaseResult c;
  c.kernel = d.str(j, "kernel", where);
  c.impl = d.str(j, "impl", where);
  c.case_id = d.str(j, "case_id", where);
  c.repro = d.str(j, "repro", where);
  c.shape = d.str(j, "shape", where);
  c.distribution = d.str(j, "distribution", where);
  c.seed = d.uint64(j, "seed", where);
  c.passed = d.boolean(j, "passed", where);
  c.failure = d.str(j, "failure", where);
  c.elements = d.int64(j, "elements", where);
  c.max_abs = d.number(j, "max_abs", where);
  c.max_rel = d.number(j, "max_rel", where);
  c.max_ulp = d.number(j, "max_ulp", where);
  c.nmse = d.number(j, "nmse", where);
  c.cosine = d.number(j, "cosine", where);
  c.bound_ratio = d.number(j, "bound_ratio", where);
  c.tolerance_kind = d.str(j, "tolerance_kind", where);
  if (c.tolerance_kind != "bound" && c.tolerance_kind != "exact" && c.tolerance_kind != "fixed-epsilon")
    d.fail(Decoder::join(where, "tolerance_kind"),
           "expected \"bound\", \"exact\" or \"fixed-epsilon\", got \"" + c.tolerance_kind + "\"");
  c.tolerance_note = d.str(j, "tolerance_note", where);
  c.contract = d.str(j, "contract", where);
  c.contract_ok = d.boolean(j, "contract_ok", where);
  c.contract_max_ulp = d.number(j, "contract_max_ulp", where);
  c.guards_ok = d.boolean(j, "guards_ok", where);

  const json& hist = d.array(j, "ulp_histogram", where);
  std::string hist_where = Decoder::join(where, "ulp_histogram");
  if (!hist.empty() && hist.size() != static_cast<size_t>(kUlpBins))
    d.fail(hist_where, "expected 0 or " + std::to_string(kUlpBins) + " bins, got " + std::to_string(hist.size()));
  for (size_t b = 0; b < hist.size(); b++) {
    std::string bin_where = hist_where + "[" + std::to_string(b) + "]";
    int64_t count = d.int64_value(hist[b], bin_where);
    if (count < 0) d.fail(bin_where, "negative count");
    c.ulp_histogram.push_back(count);
  }

  const json& worst = d.array(j, "worst", where);
  for (size_t i = 0; i < worst.size(); i++)
    c.worst.push_back(decode_element(d, worst[i], Decoder::join(where, "worst") + "[" + std::to_string(i) + "]"));
  c.seconds = d.number(j, "seconds", where);
  if (j.contains("output_digest")) c.output_digest = d.str(j, "output_digest", where);
  if (j.contains("xfail")) c.xfail = d.str(j, "xfail", where);
  if (j.contains("error_unit")) {
    c.error_unit = d.str(j, "error_unit", where);
    if (c.error_unit != "ulp" && c.error_unit != "abs")
      d.fail(Decoder::join(where, "error_unit"), "expected \"ulp\" or \"abs\", got \"" + c.error_unit + "\"");
  }
  return c;
}

Report decode_report(const Decoder& d, const json& j) {
  d.require_object(j, "top level");
  const json& version = d.field(j, "schema_version", "");
  if (!version.is_number_integer())
    d.fail("schema_version", std::string("expected an integer, got ") + version.type_name());
  if (version.get<int64_t>() != kSchemaVersion)
    d.fail("schema_version", "unsupported version " + version.dump() + " (this build reads " +
                                 std::to_string(kSchemaVersion) + ")");
  Report r;
  r.schema_version = kSchemaVersion;
  r.tool = d.str(j, "tool", "");
  r.tool_version = d.str(j, "tool_version", "");
  r.created_utc = d.str(j, "created_utc", "");
  r.host = d.str(j, "host", "");
  r.command = d.str(j, "command", "");
  r.seconds = d.number(j, "seconds", "");
  const json& cases = d.array(j, "cases", "");
  r.cases.reserve(cases.size());
  for (size_t i = 0; i < cases.size(); i++)
    r.cases.push_back(decode_case(d, cases[i], "cases[" + std::to_string(i) + "]"));
  if (j.contains("environment")) {
    d.require_object(j["environment"], "environment");
    for (const auto& [k, v] : j["environment"].items()) r.environment[k] = d.str(j["environment"], k.c_str(), "environment");
  }
  if (j.contains("not_run")) {
    const json& nr = d.array(j, "not_run", "");
    for (size_t i = 0; i < nr.size(); i++) {
      std::string where = "not_run[" + std::to_string(i) + "]";
      d.require_object(nr[i], where);
      r.not_run.push_back({d.str(nr[i], "impl", where), d.str(nr[i], "reason", where)});
    }
  }
  return r;
}

}  // namespace

void write_json(const Report& r, const std::string& path) {
  ojson j;
  j["schema_version"] = kSchemaVersion;
  j["tool"] = r.tool;
  j["tool_version"] = r.tool_version;
  j["created_utc"] = r.created_utc;
  j["host"] = r.host;
  j["command"] = r.command;
  j["seconds"] = json_real(r.seconds);
  j["ulp_bins"] = kUlpBins;  // informative: readers check histogram lengths against their own
  ojson cases = ojson::array();
  for (const CaseResult& c : r.cases) cases.push_back(encode_case(c));
  j["cases"] = std::move(cases);
  ojson not_run = ojson::array();
  for (const NotRun& n : r.not_run) not_run.push_back({{"impl", n.impl}, {"reason", n.reason}});
  j["not_run"] = std::move(not_run);
  ojson env = ojson::object();
  for (const auto& [k, v] : r.environment) env[k] = v;
  j["environment"] = std::move(env);
  // One line per case and per top-level field: a full run's report stays a
  // third smaller than pretty-printed (whitespace was 40% of it) and still
  // diffs and greps by case. Invalid UTF-8 in a string (say, a mangled
  // guest line) becomes U+FFFD rather than aborting the whole report.
  auto compact = [](const ojson& v) { return v.dump(-1, ' ', false, ojson::error_handler_t::replace); };
  std::string text = "{\n";
  size_t field = 0;
  for (const auto& [key, value] : j.items()) {
    text += "  " + compact(key) + ": ";
    if (value.is_array() && !value.empty()) {
      text += "[\n";
      for (size_t i = 0; i < value.size(); i++) text += "    " + compact(value[i]) + (i + 1 < value.size() ? ",\n" : "\n");
      text += "  ]";
    } else {
      text += compact(value);
    }
    text += ++field < j.size() ? ",\n" : "\n";
  }
  text += "}\n";
  detail::write_file(path, text);
}

Report read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": read failed");
  json j;
  try {
    j = json::parse(buf.str());
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  Decoder d(path);
  try {
    return decode_report(d, j);
  } catch (const json::exception& e) {
    // The decoder checks types first, so this is only a safety net.
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace nineml::report
