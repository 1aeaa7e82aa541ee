// The subcommands of the `9ml` host tool, one file each.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace nineml::cli {

// Each adds its subcommand to `app` and returns the action that runs it,
// producing the process exit status.
using Action = std::function<int()>;
Action add_conform(CLI::App& app);
Action add_report(CLI::App& app);
Action add_fixtures(CLI::App& app);
Action add_info(CLI::App& app);
Action add_convert(CLI::App& app);
Action add_quantize(CLI::App& app);
Action add_vm(CLI::App& app);
Action add_tokenize(CLI::App& app);
Action add_detokenize(CLI::App& app);
Action add_bench(CLI::App& app);
Action add_run(CLI::App& app);
Action add_accuracy(CLI::App& app);
Action add_llmfs(CLI::App& app);
Action add_check_port(CLI::App& app);
Action add_diff_layers(CLI::App& app);
Action add_audit(CLI::App& app);

}  // namespace nineml::cli
