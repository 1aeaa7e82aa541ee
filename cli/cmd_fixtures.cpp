// `9ml fixtures`: write the case inputs (.npy), manifest and generated models.
#include <fmt/core.h>

#include <memory>

#include "args.hpp"
#include "commands.hpp"
#include "fixture_writer.hpp"
#include "runner.hpp"

namespace nineml::cli {

Action add_fixtures(CLI::App& app) {
  struct Opts {
    std::string out = "fixtures/out";
    uint64_t seed = 1;
    std::vector<std::string> kernels;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("fixtures", "Write every case's inputs as .npy with manifest.json, and v0 models");
  sub->add_option("--out", o->out, "Output directory (default fixtures/out)")->type_name("DIR");
  unsigned_integer(sub->add_option("--seed", o->seed, "Global seed, 0..2^64-1 (default 1)")->type_name("S"));
  sub->add_option("--kernel", o->kernels, "Only this kernel's cases (repeatable)")->type_name("K");
  return [o]() {
    as_usage([&] { conformance::check_kernel_names(o->kernels); });  // the message of 9ml conform --kernel
    check_writable_dir("--out", o->out);
    conformance::Selection s;
    s.seed = o->seed;
    s.kernels = o->kernels;
    size_t last = 101;
    auto sum = conformance::write_fixtures(s, o->out, [&](size_t done, size_t total) {
      size_t pct = done * 100 / total;
      if (pct / 20 != last / 20) fmt::print(stderr, "9ml fixtures: {}% ({}/{} cases)\n", pct, done, total);
      last = pct;
    });
    fmt::print("wrote {} cases ({} files, {:.1f} MB) and {} models to {}/\n", sum.cases, sum.files,
               static_cast<double>(sum.bytes) / 1e6, sum.models, o->out);
    return 0;
  };
}

}  // namespace nineml::cli
