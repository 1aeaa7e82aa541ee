// `9ml vm --guest 9front --bench`: 6.bench's output (engine/tools/bench.c)
// into bench.json (docs/PERFORMANCE.md, "In 9front").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nineml::vm {

// The `bench<TAB>RECORD<TAB>key=value...` lines of 6.bench's output: the
// info record's fields at the top ("levels" a list, "emulated" a boolean),
// the decode, kernel and ratio records as lists of objects, numbers as
// numbers. Throws std::runtime_error (one line) when the output has no info
// line or no decode or kernel figures (the program did not finish).
nlohmann::ordered_json parse_bench(const std::string& text);

// The lines of 6.bench's output meant for people (no `bench<TAB>` records).
std::string bench_human_lines(const std::string& text);

}  // namespace nineml::vm
