// 9ml: the host command-line tool fronting the conformance suite.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
  CLI::App app{"9ml: conformance-centred test and reference framework for llama2.c-family inference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "9ml 0.1.0");
  std::map<CLI::App*, nineml::cli::Action> actions;
  auto add = [&](nineml::cli::Action (*fn)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    auto action = fn(app);
    actions[app.get_subcommands({}).at(before)] = action;
  };
  add(nineml::cli::add_conform);
  add(nineml::cli::add_report);
  add(nineml::cli::add_fixtures);
  add(nineml::cli::add_info);
  add(nineml::cli::add_convert);
  add(nineml::cli::add_quantize);
  add(nineml::cli::add_vm);
  add(nineml::cli::add_tokenize);
  add(nineml::cli::add_detokenize);
  add(nineml::cli::add_bench);
  add(nineml::cli::add_run);
  add(nineml::cli::add_accuracy);
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
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "9ml: %s\n", e.what());
    return 2;
  }
  return 2;
}
