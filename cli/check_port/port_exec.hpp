// Running an external port (`9ml check-port`): its command template split
// into argv, the placeholders filled in per word, and one run with a
// timeout, stdout and stderr captured. No shell is involved.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nineml::cli::port {

// The template as words, quoted as a POSIX shell would ('...', "..." with
// \" \\ \$ \` escapes, a backslash outside quotes), before any substitution;
// std::invalid_argument "--cmd: problem" for an unterminated quote or an
// empty template.
std::vector<std::string> split_template(const std::string& cmd);

// The placeholder names ({model}, ...) the words use; std::invalid_argument
// for a '{' that opens no known name (the message lists the known ones).
std::vector<std::string> placeholders(const std::vector<std::string>& words, const std::vector<std::string>& known);

// Each word with every {name} replaced by values.at(name): a value holding
// spaces or quotes stays inside its one argument.
std::vector<std::string> substitute(const std::vector<std::string>& words,
                                    const std::map<std::string, std::string>& values);

// argv as one line a POSIX shell re-runs: every word single-quoted unless
// made only of safe characters.
std::string shell_line(const std::vector<std::string>& argv);

// argv[0] as an absolute path the run can exec from another directory: a
// name with '/' taken from the current directory, else searched in $PATH.
// std::runtime_error "PROGRAM: problem" when missing or not executable.
std::string resolve_program(const std::string& program);

struct RunResult {
  std::string out, err;  // stdout, stderr
  int exit_status = -1;  // when it exited
  int signal = 0;        // when a signal ended it
  bool timed_out = false;
  double seconds = 0;
};

// Runs argv (argv[0] resolved) in directory `dir` with stdin from /dev/null,
// in its own process group, which is killed when `timeout` seconds pass.
// std::runtime_error when it cannot be started.
RunResult run(const std::vector<std::string>& argv, const std::string& dir, double timeout);

}  // namespace nineml::cli::port
