// `9ml check-port`: runs an external llama2.c-compatible program on the
// fixture model and prompts and judges it against the reference
// (docs/CHECK_PORT.md). Results go to the standard report as external:NAME.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "args.hpp"
#include "check_port/port_compare.hpp"
#include "check_port/port_diagnose.hpp"
#include "check_port/port_exec.hpp"
#include "check_port/port_kernels.hpp"
#include "checkpoint_gen.hpp"
#include "commands.hpp"
#include "environment.hpp"
#include "metrics.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "vocab_gen.hpp"

namespace nineml::cli {

namespace {

namespace fs = std::filesystem;

// The fixture prompts: plain words, merges that tie and chain, multi-byte
// characters, byte fallback, and BOS alone (docs/CHECK_PORT.md).
// Each keeps the reference's top-2 margin at least 4 tolerances at every
// position of the default 48 steps (the tie rule, docs/CHECK_PORT.md).
const std::vector<std::string> kPrompts = {"Once upon a", "the bath", "in the bathing", "abc xyz été 日本", "tab\tø", ""};
constexpr uint64_t kSeed = 1;  // `9ml fixtures`' default seed: models/llama2-v0/model.bin

struct Opts {
  std::string cmd, parse = "text", logits_file, name, out = "reports/check-port";
  std::vector<std::string> prompts, kernels, cases;
  int steps = 48;
  double timeout = 60;
};

[[noreturn]] void usage(const std::string& msg) { throw UsageError(msg); }

std::string one_line(std::string s, size_t max) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s.size() > max ? s.substr(0, max) + "..." : s;
}

using port::quoted;

// The last non-empty line of a port's stderr, for error messages.
std::string last_line(const std::string& err) {
  std::string s = err;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  const size_t nl = s.rfind('\n');
  return one_line(nl == std::string::npos ? s : s.substr(nl + 1), 200);
}

std::string divergence_text(const port::Expected& e, const nm_vocab& vocab, const port::Divergence& d) {
  const size_t k = d.index;
  const bool in_prompt = k < static_cast<size_t>(e.n_prompt);
  std::string where = fmt::format("token {} ({} token, chosen at position {})", k, in_prompt ? "a prompt" : "a generated",
                                  k == 0 ? 0 : k - 1);
  std::string want = k < e.tokens.size()
                         ? fmt::format("{} {}", e.tokens[k], port::shown_piece(vocab, e.tokens[k - 1], e.tokens[k]))
                         : std::string(e.ended_by_bos ? "the end (BOS)" : "the end");
  std::string got;
  if (d.port_ended) {
    got = "the end of its output";
  } else if (d.got) {
    const int prev = k > 0 ? e.tokens[k - 1] : 1;
    got = fmt::format("{} {}{}", *d.got, port::shown_piece(vocab, prev, *d.got),
                      d.got_guessed ? " (guessed from its text " + quoted(d.got_text) + ")" : "");
  } else {
    got = "text " + quoted(d.got_text);
  }
  return fmt::format("first divergence at {}: expected {}, got {}", where, want, got);
}

report::CaseResult base_case(const Opts& o, const std::string& kernel, size_t i, const std::string& prompt,
                             const port::Expected& e, const std::string& repro) {
  report::CaseResult c;
  c.kernel = kernel;
  c.impl = "external:" + o.name;
  c.case_id = fmt::format("{}/llama2-v0/prompt={}/steps={}", kernel, i, o.steps);
  c.repro = repro;
  c.shape = fmt::format("prompt_tokens={},steps={}", e.n_prompt, o.steps);
  c.distribution = "prompt " + quoted(prompt);
  c.seed = kSeed;
  c.contract = "greedy ids and text equal to the reference's llama2c mode";
  return c;
}

// The logits' case: rows 0..rows-1 (fed the same tokens) against the tolerance.
report::CaseResult logits_case(report::CaseResult c, const port::Expected& e,
                               const std::vector<std::vector<float>>& got, size_t rows) {
  c.tolerance_kind = "fixed-epsilon";
  c.error_unit = "abs";
  c.tolerance_note =
      "no end-to-end bound exists for a whole forward pass (docs/TOLERANCES.md); per position 8x the float32 "
      "reference's own distance from the exact (float64) logits, at least 4 ULP of the largest logit";
  std::vector<double> want, have;
  std::optional<size_t> bad;
  c.bound_ratio = 0;
  for (size_t p = 0; p < rows; p++)
    for (size_t j = 0; j < e.logits[p].size(); j++) {
      want.push_back(e.logits[p][j]);
      have.push_back(got[p][j]);
      const double err = std::fabs(static_cast<double>(got[p][j]) - e.logits[p][j]);
      const double ratio = std::isnan(err) ? INFINITY : err / e.tol[p];
      if (ratio > c.bound_ratio || c.worst.empty()) {
        c.bound_ratio = std::max(c.bound_ratio, ratio);
        report::Element el;
        el.index = static_cast<int64_t>(p * e.logits[p].size() + j);
        el.expected = e.logits[p][j];
        el.got = got[p][j];
        el.abs_error = err;
        el.ulp = conformance::ulp_distance(got[p][j], e.logits[p][j]);
        el.bound = e.tol[p];
        c.worst.insert(c.worst.begin(), el);
        if (c.worst.size() > 5) c.worst.pop_back();
      }
      if (!(ratio <= 1) && !bad) bad = p;
    }
  const conformance::Metrics m = conformance::compute_metrics(want, have);
  c.elements = static_cast<int64_t>(want.size());
  c.max_abs = m.max_abs, c.max_rel = m.max_rel, c.max_ulp = m.max_ulp, c.nmse = m.nmse, c.cosine = m.cosine;
  c.passed = !bad && rows > 0;
  if (rows == 0) c.failure = "no logits row to compare";
  if (bad) c.failure = fmt::format("logits at position {} differ by more than the tolerance {:.3g}", *bad, e.tol[*bad]);
  return c;
}

void finish(report::Report& r, const std::string& out) {
  r.host = "host";
  r.tool_version = report::tool_version();
  r.environment = report::host_environment();
  std::time_t t = std::time(nullptr);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  r.created_utc = iso;
  report::write_all(r, out);
}

// --kernel: the component-test contract, one run per kernel case.
int run_kernels(const Opts& o, const std::string& command) {
  std::vector<std::string> words, used;
  try {
    as_usage([&] {
      conformance::check_kernel_names(o.kernels);
      for (const std::string& key : o.cases) conformance::CaseSpec::parse(key);
    });
    words = port::split_template(o.cmd);
    used = port::placeholders(words, {"kernel", "case", "inputs", "outputs"});
  } catch (const std::invalid_argument& e) {
    usage(e.what());
  }
  for (const char* need : {"inputs", "outputs"})
    if (std::find(used.begin(), used.end(), need) == used.end())
      usage(fmt::format("--cmd: the template has no {{{}}} (--kernel and --case need {{inputs}} and {{outputs}})", need));
  if (!o.prompts.empty() || !o.logits_file.empty()) usage("--kernel: not with --prompt or --logits-file");
  if (!(o.timeout > 0)) usage("--timeout: expected a number > 0");
  words[0] = port::resolve_program(words[0]);
  const std::string name = o.name.empty() ? fs::path(port::split_template(o.cmd)[0]).filename().string() : o.name;
  check_writable_dir("--out", o.out);
  port::KernelRun k;
  k.words = words;
  k.impl = "external:" + name;
  k.dir = o.out;
  k.timeout = o.timeout;
  k.repro = [&](const std::string& key) {
    return port::shell_line({"9ml", "check-port", "--cmd", o.cmd, "--case", key, "--name", name});
  };
  report::Report r;
  r.command = command;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> problems;
  as_usage([&] {
    conformance::Selection sel;
    sel.kernels = o.kernels;
    sel.case_keys = o.cases;
    if (conformance::select_cases(sel).empty()) throw std::runtime_error("--kernel/--case: the selection runs nothing");
  });
  r.cases = port::run_kernel_cases(k, o.kernels, o.cases, &problems);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  finish(r, o.out);
  const report::Totals tot = report::totals(r.cases);
  fmt::print("{}", report::summary_table(report::summarize(r)));
  size_t shown = 0;
  for (const auto& c : r.cases)
    if (!c.passed && shown++ < 20) fmt::print("FAIL {} [{}]: {}\n", c.case_id, c.impl, c.failure);
  fmt::print("{} {}: {} passed, {} failed of {} cases (report in {}/)\n", k.impl,
             tot.failed == 0 ? "conforms" : "does not conform", tot.passed, tot.failed, tot.runs, o.out);
  if (!problems.empty()) fmt::print(stderr, "9ml: check-port: {}\n", problems.front());
  return tot.failed == 0 ? 0 : 1;
}

int run_check(const Opts& o, const std::string& command) {
  if (!o.kernels.empty() || !o.cases.empty()) return run_kernels(o, command);
  // The command line first: the template's words and placeholders.
  std::vector<std::string> words;
  std::vector<std::string> used;
  try {
    words = port::split_template(o.cmd);
    used = port::placeholders(words, {"model", "tokenizer", "steps", "prompt", "logits"});
  } catch (const std::invalid_argument& e) {
    usage(e.what());
  }
  auto uses = [&](const std::string& n) { return std::find(used.begin(), used.end(), n) != used.end(); };
  for (const char* need : {"model", "steps", "prompt"})
    if (!uses(need)) usage(fmt::format("--cmd: the template has no {{{}}} (it needs {{model}}, {{steps}} and {{prompt}})", need));
  if (uses("logits") && o.logits_file.empty()) usage("--cmd: {logits} needs --logits-file PATTERN");
  if (o.parse != "ids" && o.parse != "text") usage("--parse " + o.parse + ": expected ids or text");
  if (!(o.timeout > 0)) usage("--timeout: expected a number > 0");
  const std::string program = port::resolve_program(words[0]);
  const std::string name = o.name.empty() ? fs::path(words[0]).filename().string() : o.name;
  Opts opts = o;
  opts.name = name;
  check_writable_dir("--out", o.out);

  // The fixture inputs, as `9ml fixtures` writes models/llama2-v0/model.bin and vocab/test-vocab.bin.
  const fs::path inputs = fs::absolute(fs::path(o.out) / "inputs");
  fs::create_directories(inputs);
  const std::string model_path = (inputs / "model.bin").string(), tok_path = (inputs / "tokenizer.bin").string();
  {
    ref::Checkpoint ck = fixtures::make_checkpoint(fixtures::arch_config("llama2"), kSeed);
    fixtures::snap_to_half_exact(ck);
    ref::save_v0(ck, model_path);
    fixtures::write_test_vocab(tok_path);
  }
  const ref::Checkpoint ck = ref::load_v0(model_path);  // the reference reads what the port reads
  if (o.steps > ck.config.seq_len)
    usage(fmt::format("--steps {}: beyond the fixture model's seq_len {}", o.steps, ck.config.seq_len));
  struct Vocab {
    nm_vocab v{};
    ~Vocab() { nm_vocab_free(&v); }
  } vocab;
  char err[512];
  if (nm_vocab_from_file(&vocab.v, tok_path.c_str(), ck.config.vocab_size, err, sizeof err) != 0)
    throw std::runtime_error(err);
  const std::vector<std::string>& prompts = o.prompts.empty() ? kPrompts : o.prompts;
  for (size_t i = 0; i < prompts.size(); i++) {
    // 9ml run refuses a prompt longer than the steps, and the text decides (exit 1, as there).
    std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(prompts[i].size()))));
    int n = 0;
    if (nm_tok_encode(&vocab.v, prompts[i].data(), static_cast<int>(prompts[i].size()), 1, 0, ids.data(),
                      static_cast<int>(ids.size()), &n, err, sizeof err) != 0)
      throw std::runtime_error(fmt::format("--prompt {}: {}", quoted(prompts[i]), err));
    if (n > o.steps)
      throw std::runtime_error(fmt::format("--steps {}: prompt {} {} is {} tokens (BOS included); give at least "
                                           "that many steps", o.steps, i, quoted(prompts[i]), n));
  }
  port::Diagnoser diagnoser(model_path);

  report::Report r;
  r.command = command;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> problems;  // the port did not run properly
  size_t failed_cases = 0;
  for (size_t i = 0; i < prompts.size(); i++) {
    const std::string& prompt = prompts[i];
    const port::Expected e = port::expect(ck, vocab.v, prompt, o.steps);
    const fs::path dir = fs::absolute(fs::path(o.out) / "runs" / fmt::format("prompt{}", i));
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(tok_path, dir / "tokenizer.bin");  // for ports that read ./tokenizer.bin
    std::string logits_path;
    if (!o.logits_file.empty()) {
      const auto pat = port::substitute({o.logits_file}, {{"case", fmt::format("prompt{}", i)}})[0];
      logits_path = fs::path(pat).is_absolute() ? pat : (dir / pat).string();
    }
    std::vector<std::string> argv = port::substitute(
        words, {{"model", model_path}, {"tokenizer", tok_path}, {"steps", std::to_string(o.steps)},
                {"prompt", prompt}, {"logits", logits_path}});
    argv[0] = program;
    const std::string repro = fmt::format("9ml check-port --cmd {} --parse {} --steps {} --prompt {}{}",
                                          port::shell_line({o.cmd}), o.parse, o.steps, port::shell_line({prompt}),
                                          o.logits_file.empty() ? "" : " --logits-file " + port::shell_line({o.logits_file}));
    report::CaseResult tc = base_case(opts, "port_tokens", i, prompt, e, repro);
    tc.tolerance_kind = "exact";
    const port::RunResult run = port::run(argv, dir.string(), o.timeout);
    tc.seconds = run.seconds;
    std::string problem;
    if (run.timed_out)
      problem = fmt::format("{} timed out after {} s", name, o.timeout);
    else if (run.signal != 0)
      problem = fmt::format("{} crashed (signal {}, {})", name, run.signal, strsignal(run.signal));
    else if (run.exit_status != 0)
      problem = fmt::format("{} exited with status {}", name, run.exit_status);
    if (!problem.empty()) {
      const std::string tail = last_line(run.err);
      problem += fmt::format(" on prompt {} {}{}", i, quoted(prompt), tail.empty() ? "" : "; its stderr: " + tail);
      problems.push_back(problem);
      tc.passed = false;
      tc.failure = problem;
      r.cases.push_back(tc);
      failed_cases++;
      fmt::print("FAIL prompt {} {}: {}\n", i, quoted(prompt), problem);
      continue;
    }
    std::optional<port::Divergence> div;
    if (o.parse == "ids") {
      const std::vector<int> got = port::parse_ids(run.out);
      div = port::compare_ids(e, got);
      tc.elements = static_cast<int64_t>(got.size());
    } else {
      div = port::compare_text(e, vocab.v, run.out);
      tc.elements = static_cast<int64_t>(e.text.size());
    }
    std::vector<std::vector<float>> logits;
    std::string logits_error;
    if (!logits_path.empty()) {
      try {
        logits = port::read_logits(logits_path, ck.config.vocab_size);
      } catch (const std::exception& x) {
        logits_error = x.what();
      }
    }
    const bool have_logits = !logits_path.empty() && logits_error.empty();
    std::vector<std::string> why;
    // Rows fed the same tokens: up to the first missed token (all when none).
    const size_t rows = std::min({logits.size(), e.logits.size(), div ? div->index : e.logits.size()});
    std::string tie;
    if (div && div->index >= static_cast<size_t>(e.n_prompt) && div->index - 1 < e.logits.size()) {
      // The tie rule: a generated token whose reference logit is within the
      // tolerance of the top one is a float-order choice, not a mistake.
      // Text shows no token, only its piece: any tied token whose piece
      // the port's text goes on with (a piece that prints nothing too).
      const size_t p = div->index - 1;
      const std::vector<float>& l = e.logits[p];
      const double top = *std::max_element(l.begin(), l.end());
      if (o.parse == "text" && !div->port_ended)
        for (int t = 0; t < static_cast<int>(l.size()); t++) {
          const std::string piece = port::printed_piece(vocab.v, e.tokens[p], t);
          if (t != e.tokens[div->index] && top - l[static_cast<size_t>(t)] <= e.tol[p] &&
              div->got_text.compare(0, piece.size(), piece) == 0) {
            div->got = t;
            break;
          }
        }
      const double gap = div->got && *div->got >= 0 && *div->got < static_cast<int>(l.size())
                             ? top - l[static_cast<size_t>(*div->got)]
                             : INFINITY;
      if (gap <= e.tol[p]) {
        tie = fmt::format("a tie at position {}: the port chose {} {}, {:.3g} below the reference's top logit, within "
                          "the tolerance {:.3g}; the tokens after it are not compared",
                          p, *div->got, port::shown_piece(vocab.v, e.tokens[p], *div->got), gap, e.tol[p]);
        div.reset();
      }
    }
    if (div) why.push_back(divergence_text(e, vocab.v, *div));
    report::CaseResult lc;
    if (have_logits) {
      lc = logits_case(base_case(opts, "port_logits", i, prompt, e, repro), e, logits, rows);
      lc.seconds = run.seconds;
      // Every position both runs were fed the same tokens needs its row.
      const size_t need = std::min(e.logits.size(), div ? div->index : e.logits.size());
      if (logits.size() < need) {
        lc.passed = false;
        lc.failure = fmt::format("{}: {} rows of logits, the run had at least {} positions", logits_path,
                                 logits.size(), need);
      }
      if (!lc.passed && !div) why.push_back(lc.failure);
    } else if (!logits_error.empty()) {
      why.push_back(logits_error);
    }
    const std::string likely =
        div || (have_logits && !lc.passed)
            ? diagnoser.explain(e, vocab.v, div, have_logits ? &logits : nullptr, o.parse == "ids")
            : "";
    if (!likely.empty()) why.push_back(likely);
    tc.passed = !div && logits_error.empty();
    tc.failure = tc.passed ? "" : one_line(fmt::format("{}", fmt::join(why, "; ")), 1000);
    if (!tc.passed) tc.contract_ok = false;
    r.cases.push_back(tc);
    if (have_logits) {
      if (!lc.passed) lc.failure = one_line(fmt::format("{}", fmt::join(why, "; ")), 1000);
      r.cases.push_back(lc);
    }
    const bool ok = tc.passed && (!have_logits || lc.passed);
    if (!ok) failed_cases++;
    fmt::print("{} prompt {} {} ({} prompt tokens, {} positions, least top-2 margin {:.3g} tolerances)\n",
               ok ? "PASS" : "FAIL", i, quoted(prompt), e.n_prompt, e.logits.size(), port::margin_ratio(e));
    for (const std::string& w : why) fmt::print("  {}\n", w);
    if (!tie.empty()) {
      fmt::print("  note: {}\n", tie);
      tc.tolerance_note = tie;
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  finish(r, o.out);
  if (failed_cases == 0)
    fmt::print("external:{} conforms: {} prompts, {} steps each (report in {}/)\n", name, prompts.size(), o.steps, o.out);
  else
    fmt::print("external:{} does not conform: {} of {} prompts fail (report in {}/)\n", name, failed_cases,
               prompts.size(), o.out);
  if (!problems.empty()) fmt::print(stderr, "9ml: check-port: {}\n", problems.front());
  return failed_cases == 0 ? 0 : 1;
}

}  // namespace

Action add_check_port(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("check-port", "Run an external llama2.c-compatible program on the fixtures and judge it");
  sub->add_option("--cmd", o->cmd,
                  "Command template: {model} {steps} {prompt} required, {tokenizer} {logits} optional, e.g. "
                  "'run {model} -z {tokenizer} -t 0 -n {steps} -i {prompt}'")
      ->type_name("TEMPLATE")
      ->required();
  sub->add_option("--parse", o->parse, "Read the port's stdout as text (default) or ids")->type_name("ids|text");
  sub->add_option("--logits-file", o->logits_file,
                  "Where the port writes each position's logits (.npy float32 [positions, vocab], else raw float32); "
                  "relative to its working directory; {case} is the case's name")
      ->type_name("PATTERN");
  sub->add_option("--name", o->name, "The port's name in the report, impl external:NAME (default: the program's name)");
  sub->add_option("--out", o->out, "Directory for the report and the runs (default reports/check-port)")->type_name("DIR");
  integer(sub->add_option("--steps", o->steps, "Positions per run, 1..256 (default 48)")->type_name("N"), 1, 256);
  real(sub->add_option("--timeout", o->timeout, "Seconds per run, (0, 86400] (default 60)")->type_name("S"), 1e-3, 86400);
  sub->add_option("--prompt", o->prompts, "A prompt to run instead of the fixture prompts (repeatable)")
      ->type_name("TEXT");
  sub->add_option("--kernel", o->kernels,
                  "Judge the port per kernel case instead (repeatable): it reads {inputs}/NAME.npy and writes "
                  "{outputs}/out0.npy, ...")
      ->type_name("K");
  sub->add_option("--case", o->cases, "Judge the port on this kernel case (repeatable; a key as `9ml conform --list` prints)")
      ->type_name("KEY");
  return [o]() {
    std::vector<std::string> line = {"9ml", "check-port", "--cmd", o->cmd, "--parse", o->parse};
    if (!o->logits_file.empty()) line.insert(line.end(), {"--logits-file", o->logits_file});
    if (!o->name.empty()) line.insert(line.end(), {"--name", o->name});
    line.insert(line.end(), {"--steps", std::to_string(o->steps), "--out", o->out});
    for (const std::string& p : o->prompts) line.insert(line.end(), {"--prompt", p});
    for (const std::string& k : o->kernels) line.insert(line.end(), {"--kernel", k});
    for (const std::string& c : o->cases) line.insert(line.end(), {"--case", c});
    return run_check(*o, port::shell_line(line));
  };
}

}  // namespace nineml::cli
