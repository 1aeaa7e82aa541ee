// 9ml: the host command-line tool fronting the conformance suite.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
  CLI::App app{"9ml: conformance-centred test and reference framework for llama2.c-family inference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "9ml 0.1.0");
  // Exit status of an error (docs/CLI.md): 2 for a UsageError or a CLI11
  // parse error, 1 for any other exception; `vm` keeps its own convention
  // (docs/VMHARNESS.md: 2, the harness could not run).
  std::map<CLI::App*, std::pair<nineml::cli::Action, int>> actions;
  auto add = [&](nineml::cli::Action (*fn)(CLI::App&), int error_status = 1) {
    size_t before = app.get_subcommands({}).size();
    auto action = fn(app);
    actions[app.get_subcommands({}).at(before)] = {action, error_status};
  };
  add(nineml::cli::add_conform);
  add(nineml::cli::add_report);
  add(nineml::cli::add_fixtures);
  add(nineml::cli::add_info);
  add(nineml::cli::add_convert);
  add(nineml::cli::add_quantize);
  add(nineml::cli::add_vm, 2);
  add(nineml::cli::add_tokenize);
  add(nineml::cli::add_detokenize);
  add(nineml::cli::add_bench);
  add(nineml::cli::add_run);
  add(nineml::cli::add_accuracy);
  add(nineml::cli::add_llmfs);
  add(nineml::cli::add_check_port);
  add(nineml::cli::add_diff_layers);
  add(nineml::cli::add_audit);
  // The first argument that is not an option names the command (the
  // top-level options take no value): an unknown one is a usage error, not
  // the top-level help with exit 0.
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.empty() || a[0] == '-') continue;
    std::vector<std::string> names;
    std::string list;
    for (const CLI::App* sub : app.get_subcommands({})) {
      names.push_back(sub->get_name());
      list += (list.empty() ? "" : ", ") + sub->get_name();
    }
    if (std::find(names.begin(), names.end(), a) == names.end()) {
      std::string hint = nineml::conformance::did_you_mean(a, names);
      hint = hint.rfind("did you mean", 0) == 0 ? "; " + hint + " commands: " : "; commands: ";
      std::fprintf(stderr, "9ml: unknown command '%s'%s%s\n", a.c_str(), hint.c_str(), list.c_str());
      return 2;
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line: the option and the problem, then where the options are explained.
    std::string where = "9ml";
    for (const CLI::App* cur = &app; cur != nullptr;) {
      const CLI::App* next = nullptr;
      for (const CLI::App* sub : cur->get_subcommands({}))
        if (sub->parsed()) next = sub;
      if (next != nullptr) where += " " + next->get_name();
      cur = next;
    }
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    if (dynamic_cast<const nineml::cli::BadNumber*>(&e) == nullptr) what += " (see " + where + " --help)";
    std::fprintf(stderr, "9ml: %s\n", what.c_str());
    return 2;
  }
  for (auto& [sub, entry] : actions) {
    if (!sub->parsed()) continue;
    try {
      return entry.first();
    } catch (const nineml::cli::UsageError& e) {
      std::fprintf(stderr, "9ml: %s\n", e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "9ml: %s\n", e.what());
      return entry.second;
    }
  }
  return 2;
}
