#include "runner.hpp"
#include "shard.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fnmatch.h>
#include <limits>
#include <stdexcept>

#include "metrics.hpp"

namespace nineml::conformance {

Comparison Kernel::compare(const CaseSpec&, const Tensors&, const Expected& e,
                           const Output& got) const {
  return {e.value, got.values, e.bound, {}};
}

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of adjacent characters each cost 1.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); i++) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); j++) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); i++)
    for (size_t j = 1; j <= b.size(); j++) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::vector<std::string> kernel_names() {
  std::vector<std::string> out;
  for (const Kernel* k : kernels()) out.push_back(k->name());
  return out;
}

std::vector<std::string> impl_names() {
  std::vector<std::string> out;
  for (const auto& i : impls()) out.push_back(i.name);
  for (const auto& i : audit_impls()) out.push_back(i.name);  // only when named
  return out;
}

}  // namespace

std::string did_you_mean(const std::string& name, const std::vector<std::string>& valid) {
  // Close: at most a third of the name's characters wrong (at least 1), or
  // a prefix of the valid name ("matmul" -> matmul_f32, ...).
  const size_t most = std::max<size_t>(1, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> close;
  for (const auto& v : valid) {
    size_t d = edit_distance(name, v);
    if (d <= most) close.push_back({d, v});
    else if (name.size() >= 3 && v.rfind(name, 0) == 0) close.push_back({most + 1, v});
  }
  std::stable_sort(close.begin(), close.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  if (!close.empty()) {
    const size_t n = std::min<size_t>(close.size(), 3);
    for (size_t i = 0; i < n; i++) out += (i == 0 ? "" : i + 1 == n ? " or " : ", ") + close[i].second;
    return "did you mean " + out + "?";
  }
  const size_t n = std::min<size_t>(valid.size(), 8);
  for (size_t i = 0; i < n; i++) out += (i ? ", " : "") + valid[i];
  if (valid.size() > n) out += ", ... (" + std::to_string(valid.size() - n) + " more)";
  return "valid: " + out;
}

bool is_glob(const std::string& name) { return name.find_first_of("*?[") != std::string::npos; }

bool name_matches(const std::string& pattern, const std::string& name) {
  return is_glob(pattern) ? fnmatch(pattern.c_str(), name.c_str(), 0) == 0 : pattern == name;
}

namespace {
// The names a --kernel/--impl pattern list selects, in the list's order
// (a glob's matches in the registry's), each once; a pattern that selects
// nothing is an error with the closest names.
std::vector<std::string> expand_names(const std::vector<std::string>& patterns, const std::vector<std::string>& all,
                                      const std::string& option, const std::string& what) {
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    bool any = false;
    for (const auto& n : all)
      // A glob reaches the audit implementations only when it names them
      // ("approx-*"): `--impl '*'` keeps meaning the default set.
      if (name_matches(p, n) && !(is_glob(p) && n.rfind("approx-", 0) == 0 && p.rfind("approx", 0) != 0)) {
        any = true;
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
      }
    if (!any)
      throw std::runtime_error(option + " " + p + ": " + (is_glob(p) ? "matches no " + what : "no such " + what) + "; " +
                               did_you_mean(p, all));
  }
  return out;
}
}  // namespace

void check_kernel_names(const std::vector<std::string>& names) {
  expand_names(names, kernel_names(), "--kernel", "kernel");
}

void check_impl_names(const std::vector<std::string>& names) {
  expand_names(names, impl_names(), "--impl", "implementation");
}

std::vector<SelectedCase> select_cases(const Selection& s) {
  std::vector<SelectedCase> all = select_all_cases(s);
  if (s.shard_count == 0) return all;
  return shard_cases(all, s.shard_index, s.shard_count, s.shard_costs);
}

std::vector<SelectedCase> select_all_cases(const Selection& s) {
  const std::vector<std::string> kernel_sel = expand_names(s.kernels, kernel_names(), "--kernel", "kernel");
  std::vector<SelectedCase> out;
  if (!s.case_keys.empty()) {
    for (const auto& key : s.case_keys) {
      if (is_glob(key)) {
        // Every registry case (at this seed) whose key the glob matches, in registry order.
        size_t before = out.size();
        for (const Kernel* k : kernels())
          for (CaseSpec c : k->cases()) {
            c.seed = s.seed;
            bool dup = false;
            for (const auto& o : out) dup |= o.kernel == k && o.spec.key() == c.key();
            if (!dup && fnmatch(key.c_str(), c.key().c_str(), 0) == 0) out.push_back({k, c});
          }
        if (out.size() == before)
          throw std::runtime_error("--case " + key + ": matches no case (keys look like softmax/n=17/normal/seed=" +
                                   std::to_string(s.seed) + "; `9ml conform --list` prints them)");
        continue;
      }
      CaseSpec c = CaseSpec::parse(key);
      const Kernel* k = find_kernel(c.kernel);
      if (!k)
        throw std::runtime_error("--case " + key + ": no such kernel '" + c.kernel + "'; " +
                                    did_you_mean(c.kernel, kernel_names()));
      out.push_back({k, c});
    }
    return out;
  }
  for (const Kernel* k : kernels()) {
    if (!s.kernels.empty() && std::find(kernel_sel.begin(), kernel_sel.end(), k->name()) == kernel_sel.end())
      continue;
    for (CaseSpec c : k->cases()) {
      c.seed = s.seed;
      out.push_back({k, c});
    }
  }
  return out;
}

std::vector<const Impl*> select_impls(const Selection& s) {
  std::vector<const Impl*> out;
  if (s.impls.empty()) {
    for (const auto& i : impls()) out.push_back(&i);
    return out;
  }
  for (const auto& name : expand_names(s.impls, impl_names(), "--impl", "implementation")) out.push_back(find_impl(name));
  return out;
}

namespace {

bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

std::string fmt_g(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

report::CaseResult case_result_head(const Kernel& k, const CaseSpec& c, const std::string& impl,
                                    const std::string& repro) {
  report::CaseResult r;
  r.kernel = k.name();
  r.impl = impl;
  r.case_id = c.key();
  r.repro = repro;
  r.shape = c.shape();
  r.distribution = c.dist;
  r.seed = c.seed;
  r.tolerance_kind = k.tolerance_kind();
  r.tolerance_note = k.tolerance_note();
  return r;
}

report::CaseResult judge(const Kernel& k, const CaseSpec& c, const Impl& impl, const Tensors& in,
                         const Expected& e, const Output& got, const Output* contract_ref) {
  report::CaseResult r = case_result_head(k, c, impl.name, repro_line(c, impl.name));
  r.error_unit = k.error_unit();
  r.contract = impl.contract;
  r.guards_ok = got.guards_ok;
  r.ulp_histogram.assign(report::kUlpBins, 0);

  Comparison cmp = k.compare(c, in, e, got);
  const size_t n = cmp.expected.size();
  r.elements = static_cast<int64_t>(n);
  std::string failure;
  if (cmp.got.size() != n || cmp.bound.size() != n || (!cmp.error.empty() && cmp.error.size() != n))
    failure = "output has " + std::to_string(cmp.got.size()) + " elements, expected " + std::to_string(n);

  struct Scored {
    double ratio;
    report::Element el;
  };
  std::vector<Scored> scored;
  for (size_t i = 0; failure.empty() && i < n; i++) {
    double ex = cmp.expected[i], g = cmp.got[i], b = cmp.bound[i];
    double err = cmp.error.empty() ? std::fabs(g - ex) : cmp.error[i];
    double ulp = ulp_distance(static_cast<float>(g), static_cast<float>(ex));
    bool ok;
    double ratio;
    if (std::isnan(ex)) {
      ok = std::isnan(g);
      ratio = ok ? 0 : std::numeric_limits<double>::infinity();
      err = ok ? 0 : std::numeric_limits<double>::infinity();
    } else if (std::isinf(ex) && cmp.error.empty()) {
      ok = (g == ex);
      ratio = ok ? 0 : std::numeric_limits<double>::infinity();
      err = ok ? 0 : std::numeric_limits<double>::infinity();
    } else if (std::isnan(b)) {
      // No finite bound for this element (the kernel's error analysis does
      // not cover its inputs): only the exact value passes.
      if (std::isnan(err)) err = std::numeric_limits<double>::infinity();
      ok = err == 0;
      ratio = ok ? 0 : std::numeric_limits<double>::infinity();
    } else {
      if (std::isnan(err)) err = std::numeric_limits<double>::infinity();
      ok = err <= b;
      ratio = (b > 0) ? err / b : (err == 0 ? 0 : std::numeric_limits<double>::infinity());
    }
    r.ulp_histogram[static_cast<size_t>(report::ulp_bin(ulp))]++;
    r.bound_ratio = std::max(r.bound_ratio, ratio);
    if (!ok && failure.empty()) {
      failure = "element " + std::to_string(i) + ": got " + fmt_g(g) + ", exact " + fmt_g(ex);
      if (!std::isfinite(ex))
        failure += " (a non-finite exact value is matched exactly)";
      else if (std::isnan(b))
        failure += ", error " + fmt_g(err) + " (no finite bound for this element: exact required)";
      else
        failure += ", error " + fmt_g(err) + " > bound " + fmt_g(b);
    }
    scored.push_back({ratio, {static_cast<int64_t>(i), ex, g, err, ulp, b}});
  }
  Metrics m = compute_metrics(cmp.expected, cmp.got);
  r.max_abs = m.max_abs;
  r.max_rel = m.max_rel;
  r.max_ulp = m.max_ulp;
  r.nmse = m.nmse;
  r.cosine = m.cosine;
  size_t keep = std::min<size_t>(5, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(),
                    [](const Scored& a, const Scored& b) {
                      if (a.ratio != b.ratio) return a.ratio > b.ratio;
                      return a.el.abs_error > b.el.abs_error;
                    });
  for (size_t i = 0; i < keep; i++) r.worst.push_back(scored[i].el);

  if (!impl.contract.empty() && contract_ref) {
    const auto& a = got.raw;
    const auto& b = contract_ref->raw;
    if (a.size() != b.size()) {
      r.contract_ok = false;
      r.contract_max_ulp = std::numeric_limits<double>::infinity();
    } else {
      for (size_t i = 0; i < a.size(); i++) {
        if (same_bits(a[i], b[i])) continue;
        r.contract_ok = false;
        r.contract_max_ulp = std::max(
            r.contract_max_ulp, ulp_distance(static_cast<float>(a[i]), static_cast<float>(b[i])));
        if (r.contract_max_ulp == 0) r.contract_max_ulp = 1;  // differ beyond float (e.g. -0/+0)
      }
    }
    if (!r.contract_ok && failure.empty())
      failure = "not bit-exact with ref-llama2c (max " + fmt_g(r.contract_max_ulp) + " ULP apart)";
  }
  if (!got.guards_ok && failure.empty()) failure = "guard zone around the output was overwritten";
  r.failure = failure;
  r.passed = failure.empty();
  return r;
}

std::vector<report::CaseResult> run_case(const Kernel& k, const CaseSpec& c,
                                         const std::vector<const Impl*>& impls) {
  std::vector<report::CaseResult> out;
  auto t0 = std::chrono::steady_clock::now();
  Tensors in = k.inputs(c);
  Expected e = k.expected(c, in);
  Output ref;
  bool have_ref = false;
  for (const Impl* impl : impls) {
    // Not applicable to this kernel, or not runnable on this CPU (run()
    // lists the latter in the report's not_run).
    if (!applies(*impl, k.name(), k.table_use()) || !unavailable_reason(impl->kind).empty()) continue;
    auto t1 = std::chrono::steady_clock::now();
    // ref-llama2c's output is both an implementation's result and the
    // contract's reference: computed once per case, whichever needs it first.
    const bool is_ref = impl->kind == ImplKind::ref_llama2c;
    Output got = is_ref && have_ref ? ref : k.run(c, in, impl->kind);
    if (is_ref && !have_ref) {
      ref = got;
      have_ref = true;
    }
    if (!impl->contract.empty() && !have_ref) {
      ref = k.run(c, in, ImplKind::ref_llama2c);
      have_ref = true;
    }
    report::CaseResult r = judge(k, c, *impl, in, e, got, have_ref ? &ref : nullptr);
    auto t2 = std::chrono::steady_clock::now();
    r.seconds = std::chrono::duration<double>(t2 - t1).count();
    if (out.empty()) r.seconds += std::chrono::duration<double>(t1 - t0).count();
    out.push_back(std::move(r));
  }
  return out;
}

report::Report run(const Selection& s, const std::function<void(size_t, size_t)>& progress) {
  RunControl control;
  control.progress = progress;
  return run(s, control);
}

report::Report run(const Selection& s, const RunControl& control, bool* stopped) {
  auto t0 = std::chrono::steady_clock::now();
  auto cases = select_cases(s);
  auto impls = select_impls(s);
  report::Report rep;
  rep.host = "host";
  for (const Impl* impl : impls) {
    std::string why = unavailable_reason(impl->kind);
    if (!why.empty()) rep.not_run.push_back({impl->name, why});
  }
  // The implementations the selection left out are skipped too, with the
  // reason: every output tells "not selected" from "does not exist".
  if (!s.impls.empty())
    for (const Impl& i : conformance::impls())
      if (std::find(impls.begin(), impls.end(), &i) == impls.end())
        rep.not_run.push_back({i.name, std::string(report::kNotSelected) +
                                           (s.pairs.empty() ? " (--impl)" : " (--last-failed: no failed run)")});
  // The implementations of case i (--last-failed: only its listed pairs).
  auto impls_of = [&](size_t i) {
    if (s.pairs.empty()) return impls;
    std::vector<const Impl*> out;
    const std::string key = cases[i].spec.key();
    for (const Impl* impl : impls)
      if (s.pairs.count({key, impl->name})) out.push_back(impl);
    return out;
  };

  // Workers take cases in order from `next` and leave their results in
  // slot i; this thread takes the slots in order, so the report does not
  // depend on -j. Thread safety: kernels, the engine's kernel tables and the
  // reference are pure functions of their arguments; the one shared mutable
  // state is the engine's thread pools (one job at a time per pool), which
  // impl.cpp keeps per calling thread.
  struct Slot {
    bool done = false;
    std::vector<report::CaseResult> results;
    std::exception_ptr error;
  };
  std::vector<Slot> slots(cases.size());
  std::mutex mu;
  std::condition_variable ready;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto work = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= cases.size() || stop.load()) return;
      Slot slot;
      try {
        slot.results = run_case(*cases[i].kernel, cases[i].spec, impls_of(i));
      } catch (...) {
        slot.error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      slot.done = true;
      slots[i] = std::move(slot);
      ready.notify_all();
    }
  };
  const int jobs = std::max(1, control.jobs);
  std::vector<std::thread> workers;
  for (int w = 1; w < jobs && static_cast<size_t>(w) < cases.size(); w++) workers.emplace_back(work);
  // Joins the workers on every way out (a case's exception included).
  struct Joiner {
    std::vector<std::thread>& t;
    std::atomic<bool>& stop;
    ~Joiner() {
      stop = true;
      for (auto& w : t) w.join();
    }
  } joiner{workers, stop};

  size_t failures = 0;
  bool ended = false;
  for (size_t i = 0; i < cases.size() && !ended; i++) {
    std::vector<report::CaseResult> results;
    if (workers.empty()) {
      results = run_case(*cases[i].kernel, cases[i].spec, impls_of(i));
    } else {
      std::unique_lock<std::mutex> lock(mu);
      ready.wait(lock, [&] { return slots[i].done; });
      if (slots[i].error) std::rethrow_exception(slots[i].error);
      results = std::move(slots[i].results);
    }
    for (auto& r : results) {
      if (control.annotate) control.annotate(r);
      const bool counts = report::fails_run(r);
      rep.cases.push_back(std::move(r));
      if (counts && control.max_failures && ++failures >= control.max_failures) {
        ended = true;
        stop = true;
        break;
      }
    }
    if (control.progress) control.progress(i + 1, cases.size());
  }
  if (stopped) *stopped = ended;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace nineml::conformance
