// The engine's JSON reader: values, lookups, numbers, and exact errors.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "formats/json.h"
}

namespace {

std::string parse_error(const std::string& text) {
  nm_json doc;
  char msg[128] = {0};
  if (nm_json_parse(&doc, text.data(), text.size(), msg, sizeof msg) == 0) {
    nm_json_free(&doc);
    return "";
  }
  return msg;
}

TEST(Json, ParsesAndLooksUp) {
  std::string t = R"({"a": [1, 2.5e-3, -0.0], "s": "x\"\u00e9\ud83d\ude00", "n": null, "t": true, "big": 18446744073709551615})";
  nm_json doc;
  char msg[128];
  ASSERT_EQ(nm_json_parse(&doc, t.data(), t.size(), msg, sizeof msg), 0) << msg;
  int a = nm_json_get(&doc, 0, "a");
  ASSERT_GE(a, 0);
  EXPECT_EQ(doc.nodes[a].n, 3);
  double v;
  ASSERT_EQ(nm_json_number(&doc, doc.nodes[doc.nodes[a].first].next, &v), 0);
  EXPECT_EQ(v, 2.5e-3);
  char buf[32];
  ASSERT_GT(nm_json_str_copy(&doc, nm_json_get(&doc, 0, "s"), buf, sizeof buf), 0);
  EXPECT_EQ(std::string(buf), "x\"\xc3\xa9\xf0\x9f\x98\x80");
  nm_u64 big;
  EXPECT_EQ(nm_json_u64(&doc, nm_json_get(&doc, 0, "big"), &big), 0);
  EXPECT_EQ(big, 18446744073709551615ULL);
  EXPECT_EQ(nm_json_get(&doc, 0, "missing"), -1);
  EXPECT_EQ(doc.nodes[nm_json_get(&doc, 0, "t")].type, NM_JSON_TRUE);
  nm_json_free(&doc);
}

TEST(Json, NumbersCommonInConfigs) {
  for (auto [text, want] : std::vector<std::pair<std::string, double>>{
           {"1e-05", 1e-05}, {"1e-06", 1e-06}, {"500000.0", 500000.0}, {"10000", 10000.0},
           {"0.1", 0.1}, {"-3.25", -3.25}, {"1.00000005e-05", 1.00000005e-05}}) {
    nm_json doc;
    char msg[64];
    ASSERT_EQ(nm_json_parse(&doc, text.data(), text.size(), msg, sizeof msg), 0);
    double v;
    ASSERT_EQ(nm_json_number(&doc, 0, &v), 0);
    EXPECT_EQ(v, want) << text;
    nm_json_free(&doc);
  }
}

TEST(Json, ExactErrors) {
  EXPECT_EQ(parse_error("{\"a\": 1,}"), "JSON: expected a string key at byte 8");
  EXPECT_EQ(parse_error("[1 2]"), "JSON: expected ',' or ']' at byte 3");
  EXPECT_EQ(parse_error("\"abc"), "JSON: unterminated string at byte 4");
  EXPECT_EQ(parse_error("01"), "JSON: trailing characters at byte 1");
  EXPECT_EQ(parse_error("-"), "JSON: bad number at byte 1");
  EXPECT_EQ(parse_error("\"\\q\""), "JSON: bad escape at byte 2");
  EXPECT_EQ(parse_error(""), "JSON: unexpected end of text at byte 0");
  EXPECT_EQ(parse_error(std::string(65, '[') + std::string(65, ']')), "JSON: nesting deeper than 64 at byte 64");
  EXPECT_EQ(parse_error(std::string(64, '[') + std::string(64, ']')), "");
  EXPECT_EQ(parse_error(std::string(100000, '[')), "JSON: nesting deeper than 64 at byte 64");
}

}  // namespace
