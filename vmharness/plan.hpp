// What a guest run does: which component-test program runs which cases, the
// files it reads (inputs, list files) and writes (outputs), and how outputs
// are read back (trailer verified) and judged with the one comparator.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "npy.hpp"
#include "report.hpp"
#include "runner.hpp"

namespace nineml::vm {

struct Program {
  std::string name;                  // "ct_softmax"
  std::vector<std::string> kernels;  // kernels it computes
};
const std::vector<Program>& programs();
std::string program_for(const std::string& kernel);  // "" if no program covers it
// Kernels the programs run through the engine's pool dispatch with threads:N.
bool pool_dispatched(const std::string& kernel);
// Kernels the programs run through a kernel-table entry (simd:LEVEL applies).
bool table_kernel(const std::string& kernel);

struct PlannedCase {
  const conformance::Kernel* kernel;
  conformance::CaseSpec spec;
  std::string id;       // "c0001": file-name prefix, lowercase, FAT-safe
  std::string program;
  conformance::Tensors inputs;
};

struct Plan {
  std::vector<PlannedCase> cases;
  std::map<std::string, std::vector<size_t>> by_program;  // program -> case indices, in order
  // program -> the cases of its pool-dispatched kernels (the multi-worker runs)
  std::map<std::string, std::vector<size_t>> pooled_by_program;
  // program -> the cases of its kernels with a kernel-table entry (the SIMD-level runs)
  std::map<std::string, std::vector<size_t>> table_by_program;
  std::vector<std::string> not_covered;                   // kernels without a program
  size_t skipped_large = 0;                               // cases over the input budget
};

// The selected cases that a program covers and whose inputs total at most
// `max_input_bytes` (0: no limit).
Plan make_plan(const conformance::Selection& s, size_t max_input_bytes);

// Writes DIR/in/ID-NAME.npy, DIR/lists/PROGRAM.txt (and PROGRAM-pool.txt,
// PROGRAM-table.txt: the cases of pooled_by_program, table_by_program), and
// an empty DIR/out/.
void write_plan(const Plan& p, const std::string& dir);

// A case's files (inputs in in/, outputs in each output folder) live in a
// subfolder named by its id without the last two characters ("c0123" ->
// "c01/"), at most 100 cases each: 9front's dossrv looks a name up by
// scanning its FAT directory, and one folder of ~10,000 inputs made every
// open a long scan (ct_driver.c makes the same path).
std::string case_dir(const std::string& id);
std::string case_file(const std::string& id, const std::string& name);
// Makes the case subfolders of `idx` under folder `dir`.
void make_case_dirs(const Plan& p, const std::vector<size_t>& idx, const std::string& dir);

// The trailer (docs/VMHARNESS.md): 8 bytes "9MLTRAIL", u64 payload length,
// u64 FNV-1a-64 of the payload, 8 bytes "TRAILEND", all little-endian.
constexpr size_t kTrailerBytes = 32;
uint64_t fnv1a64(const uint8_t* p, size_t n);
std::vector<uint8_t> add_trailer(const std::vector<uint8_t>& npy);
// Empty string if `bytes` is a complete npy + trailer (payload returned in
// *npy), else the problem: "missing", "truncated ...", "bad checksum ...".
std::string check_trailer(const std::vector<uint8_t>& bytes, std::vector<uint8_t>* npy);

// Reads case `c`'s outputs from out_dir; on success fills *outs and returns
// "", else returns the failure ("output 0 missing", "output 1 truncated ...").
std::string read_outputs(const PlannedCase& c, const std::string& out_dir,
                         std::vector<fixtures::NpyArray>* outs);

// The FNV-1a-64 (hex) of each output file's bytes, comma-separated, or ""
// if output 0 is missing.
std::string output_digest(const PlannedCase& c, const std::string& out_dir);

// A failed result for a case that produced nothing to judge.
report::CaseResult failed_case(const PlannedCase& c, const conformance::Impl& impl, const std::string& why);

// Judges the outputs in out_dir as `impl` (decode + judge, contract vs
// ref-llama2c); a missing/truncated/bad output or a fault is a failure.
// `fault`, when not empty, is the reason for missing outputs.
report::CaseResult judge_case(const PlannedCase& c, const conformance::Impl& impl, const std::string& out_dir,
                              const std::string& fault);

}  // namespace nineml::vm
