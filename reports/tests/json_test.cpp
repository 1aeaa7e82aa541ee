// report.json: exact round trip, and clear errors on malformed input.
#include <cmath>
#include <limits>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Equal as stored values: NaN matches NaN, and -0 is not +0.
void expect_same(double a, double b, const char* what) {
  if (std::isnan(a)) {
    EXPECT_TRUE(std::isnan(b)) << what;
  } else {
    EXPECT_EQ(a, b) << what;
    EXPECT_EQ(std::signbit(a), std::signbit(b)) << what;
  }
}

void expect_same_case(const CaseResult& a, const CaseResult& b) {
  EXPECT_EQ(a.kernel, b.kernel);
  EXPECT_EQ(a.impl, b.impl);
  EXPECT_EQ(a.case_id, b.case_id);
  EXPECT_EQ(a.repro, b.repro);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.distribution, b.distribution);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.passed, b.passed);
  EXPECT_EQ(a.failure, b.failure);
  EXPECT_EQ(a.elements, b.elements);
  expect_same(a.max_abs, b.max_abs, "max_abs");
  expect_same(a.max_rel, b.max_rel, "max_rel");
  expect_same(a.max_ulp, b.max_ulp, "max_ulp");
  expect_same(a.nmse, b.nmse, "nmse");
  expect_same(a.cosine, b.cosine, "cosine");
  expect_same(a.bound_ratio, b.bound_ratio, "bound_ratio");
  EXPECT_EQ(a.tolerance_kind, b.tolerance_kind);
  EXPECT_EQ(a.error_unit, b.error_unit);
  EXPECT_EQ(a.tolerance_note, b.tolerance_note);
  EXPECT_EQ(a.contract, b.contract);
  EXPECT_EQ(a.contract_ok, b.contract_ok);
  expect_same(a.contract_max_ulp, b.contract_max_ulp, "contract_max_ulp");
  EXPECT_EQ(a.guards_ok, b.guards_ok);
  EXPECT_EQ(a.ulp_histogram, b.ulp_histogram);
  ASSERT_EQ(a.worst.size(), b.worst.size());
  for (size_t i = 0; i < a.worst.size(); i++) {
    EXPECT_EQ(a.worst[i].index, b.worst[i].index);
    expect_same(a.worst[i].expected, b.worst[i].expected, "expected");
    expect_same(a.worst[i].got, b.worst[i].got, "got");
    expect_same(a.worst[i].abs_error, b.worst[i].abs_error, "abs_error");
    expect_same(a.worst[i].ulp, b.worst[i].ulp, "ulp");
    expect_same(a.worst[i].bound, b.worst[i].bound, "bound");
  }
  expect_same(a.seconds, b.seconds, "seconds");
}

Report tricky_report() {
  Report r = make_report();
  CaseResult& c = r.cases[2];
  c.max_ulp = kNaN;
  c.max_abs = kInf;
  c.nmse = -kInf;
  c.cosine = -0.0;
  c.bound_ratio = 0.1 + 0.2;  // needs all 17 digits to round-trip
  c.seed = std::numeric_limits<uint64_t>::max();
  c.elements = std::numeric_limits<int64_t>::max();
  r.environment = {{"cpu_model", "AMD \"EPYC\" <x> \u00e9"}, {"commit", "abc-dirty"}, {"empty", ""}};
  c.tolerance_kind = "fixed-epsilon";
  c.tolerance_note = "no bound for exp near overflow; \"quoted\" \u00e9";
  c.contract = "bit-exact with reference llama2c";
  c.contract_ok = false;
  c.contract_max_ulp = 3;
  c.guards_ok = false;
  c.worst.push_back({5, 1.0, kNaN, kNaN, kNaN, 1e-7});
  c.worst.push_back({-1, -kInf, kInf, kInf, kInf, 0});
  c.worst.push_back({16, 4.9406564584124654e-324, 1.7976931348623157e308, 1e308, 2.5, 1e-300});
  r.cases[3].ulp_histogram.clear();  // empty histograms are allowed
  return r;
}

TEST(Json, RoundTripKeepsEveryValueIncludingNonFinite) {
  ScratchDir dir;
  Report r = tricky_report();
  write_json(r, dir.file("report.json"));
  Report back = read_json(dir.file("report.json"));
  EXPECT_EQ(back.schema_version, 1);
  EXPECT_EQ(back.tool, r.tool);
  EXPECT_EQ(back.tool_version, r.tool_version);
  EXPECT_EQ(back.created_utc, r.created_utc);
  EXPECT_EQ(back.host, r.host);
  EXPECT_EQ(back.command, r.command);
  EXPECT_EQ(back.environment, r.environment);
  expect_same(back.seconds, r.seconds, "seconds");
  ASSERT_EQ(back.cases.size(), r.cases.size());
  for (size_t i = 0; i < r.cases.size(); i++) expect_same_case(r.cases[i], back.cases[i]);
}

TEST(Json, NonFiniteValuesAreWrittenAsStrings) {
  ScratchDir dir;
  write_json(tricky_report(), dir.file("report.json"));
  auto j = nlohmann::json::parse(slurp(dir.file("report.json")));
  const auto& c = j["cases"][2];
  EXPECT_EQ(c["max_ulp"], "nan");
  EXPECT_EQ(c["max_abs"], "inf");
  EXPECT_EQ(c["nmse"], "-inf");
  EXPECT_EQ(c["worst"][1]["expected"], "-inf");
  EXPECT_TRUE(c["bound_ratio"].is_number());
}

TEST(Json, InvalidUtf8IsReplacedNotFatal) {
  ScratchDir dir;
  Report r = make_report();
  r.command = "bad \xff byte";
  write_json(r, dir.file("report.json"));
  EXPECT_EQ(read_json(dir.file("report.json")).command, "bad \xEF\xBF\xBD byte");
}

// Writes a valid report, lets `edit` damage its JSON, and returns the error.
template <typename Edit>
std::string error_after(const ScratchDir& dir, Edit edit) {
  write_json(make_report(), dir.file("good.json"));
  auto j = nlohmann::json::parse(slurp(dir.file("good.json")));
  edit(j);
  spit(dir.file("bad.json"), j.dump());
  try {
    read_json(dir.file("bad.json"));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_json accepted a malformed report";
  return "";
}

std::string error_reading(const std::string& path) {
  try {
    read_json(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_json accepted " << path;
  return "";
}

TEST(Json, NotJsonNamesTheFile) {
  ScratchDir dir;
  spit(dir.file("bad.json"), "{ \"schema_version\": 1, ");
  std::string e = error_reading(dir.file("bad.json"));
  EXPECT_EQ(e.rfind(dir.file("bad.json") + ": not valid JSON", 0), 0u) << e;
  spit(dir.file("empty.json"), "");
  EXPECT_NE(error_reading(dir.file("empty.json")).find("not valid JSON"), std::string::npos);
  spit(dir.file("deep.json"), std::string(100000, '['));
  EXPECT_NE(error_reading(dir.file("deep.json")).find("not valid JSON"), std::string::npos);
}

TEST(Json, MissingFileNamesTheFile) {
  ScratchDir dir;
  std::string e = error_reading(dir.file("absent.json"));
  EXPECT_EQ(e.rfind(dir.file("absent.json") + ": cannot open", 0), 0u) << e;
}

TEST(Json, WrongSchemaVersion) {
  ScratchDir dir;
  std::string e = error_after(dir, [](auto& j) { j["schema_version"] = 2; });
  EXPECT_NE(e.find(dir.file("bad.json") + ": schema_version: unsupported version 2"), std::string::npos) << e;
  e = error_after(dir, [](auto& j) { j["schema_version"] = "1"; });
  EXPECT_NE(e.find("schema_version: expected an integer, got string"), std::string::npos) << e;
  e = error_after(dir, [](auto& j) { j.erase("schema_version"); });
  EXPECT_NE(e.find("missing field \"schema_version\""), std::string::npos) << e;
}

// error_unit: written only when not "ulp", read back, and "ulp" when absent
// (reports older than the field); another value is rejected with its path.
TEST(Json, ErrorUnitRoundTripsAndIsChecked) {
  ScratchDir dir;
  Report r = tricky_report();
  r.cases[1].error_unit = "abs";
  write_json(r, dir.file("report.json"));
  auto j = nlohmann::json::parse(slurp(dir.file("report.json")));
  EXPECT_EQ(j["cases"][1]["error_unit"], "abs");
  EXPECT_FALSE(j["cases"][0].contains("error_unit"));
  Report back = read_json(dir.file("report.json"));
  EXPECT_EQ(back.cases[0].error_unit, "ulp");
  EXPECT_EQ(back.cases[1].error_unit, "abs");
  std::string e = error_after(dir, [](auto& k) { k["cases"][1]["error_unit"] = "ULP"; });
  EXPECT_NE(e.find("cases[1].error_unit: expected \"ulp\" or \"abs\", got \"ULP\""), std::string::npos) << e;
}

TEST(Json, MissingFieldIsNamedWithItsPath) {
  ScratchDir dir;
  std::string e = error_after(dir, [](auto& j) { j["cases"][1].erase("max_ulp"); });
  EXPECT_NE(e.find(dir.file("bad.json") + ": cases[1]: missing field \"max_ulp\""), std::string::npos) << e;
  e = error_after(dir, [](auto& j) { j.erase("cases"); });
  EXPECT_NE(e.find("missing field \"cases\""), std::string::npos) << e;
}

TEST(Json, WrongTypesAreNamedWithTheirPath) {
  ScratchDir dir;
  struct Damage {
    const char* name;
    void (*edit)(nlohmann::json&);
    const char* message;
  };
  const Damage damages[] = {
      {"top-level array", [](nlohmann::json& j) { j = nlohmann::json::array({j}); }, "top level: expected an object"},
      {"cases not array", [](nlohmann::json& j) { j["cases"] = 3; }, "cases: expected an array, got number"},
      {"case not object", [](nlohmann::json& j) { j["cases"][0] = "x"; }, "cases[0]: expected an object, got string"},
      {"number as string", [](nlohmann::json& j) { j["cases"][0]["max_ulp"] = "12"; },
       "cases[0].max_ulp: expected a number or one of"},
      {"bool as number", [](nlohmann::json& j) { j["cases"][0]["passed"] = 1; },
       "cases[0].passed: expected true or false, got number"},
      {"string as null", [](nlohmann::json& j) { j["cases"][0]["kernel"] = nullptr; },
       "cases[0].kernel: expected a string, got null"},
      {"fractional integer", [](nlohmann::json& j) { j["cases"][0]["elements"] = 1.5; },
       "cases[0].elements: expected an integer, got number"},
      {"negative seed", [](nlohmann::json& j) { j["cases"][0]["seed"] = -1; },
       "cases[0].seed: expected a non-negative integer"},
      {"short histogram", [](nlohmann::json& j) { j["cases"][2]["ulp_histogram"] = {1, 2, 3}; },
       "cases[2].ulp_histogram: expected 0 or 34 bins, got 3"},
      {"negative count", [](nlohmann::json& j) { j["cases"][2]["ulp_histogram"][5] = -4; },
       "cases[2].ulp_histogram[5]: negative count"},
      {"unknown tolerance", [](nlohmann::json& j) { j["cases"][0]["tolerance_kind"] = "magic"; },
       "cases[0].tolerance_kind: expected \"bound\""},
      {"worst not array", [](nlohmann::json& j) { j["cases"][0]["worst"] = nlohmann::json::object(); },
       "cases[0].worst: expected an array, got object"},
      {"bad worst element", [](nlohmann::json& j) { j["cases"][0]["worst"] = {{{"index", 1}}}; },
       "cases[0].worst[0]: missing field \"expected\""},
      {"bad non-finite spelling", [](nlohmann::json& j) { j["seconds"] = "NaN"; },
       "seconds: expected a number or one of"},
  };
  for (const Damage& d : damages) {
    std::string e = error_after(dir, d.edit);
    EXPECT_NE(e.find(dir.file("bad.json") + ": "), std::string::npos) << d.name << ": " << e;
    EXPECT_NE(e.find(d.message), std::string::npos) << d.name << ": " << e;
  }
}

TEST(Json, WriteToUnwritablePathNamesIt) {
  ScratchDir dir;
  std::string path = dir.file("no/such/dir/report.json");
  try {
    write_json(make_report(), path);
    FAIL() << "write_json succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace nineml::report
