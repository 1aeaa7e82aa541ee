// The serial-console dialogue engine: sends a command followed by a unique
// end marker and reads until the marker, a panic, the guest's exit, a host
// interrupt or a deadline. Output is cleaned of \r and terminal escape codes
// and kept, whole, in the console log.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "process.hpp"

namespace nineml::vm {

enum class Wait { matched, timeout, panic, exited, interrupted };
const char* wait_name(Wait w);

// Removes \r, ANSI CSI/OSC sequences and other control bytes but \n and \t.
std::string clean_console(const std::string& raw);

class Console {
 public:
  // `status_var`: how the shell names the last status ("$status" in rc,
  // "$?" in sh). `panic_markers`: text that means the guest died.
  Console(Child& child, std::string status_var, std::vector<std::string> panic_markers);

  // Reads until `match(text since `from`)` is true. `from` indexes text().
  Wait wait_until(const std::function<bool(const std::string&)>& match, double seconds, size_t from);
  // Waits for one of `needles` after `from`; *which = its index.
  Wait wait_for_any(const std::vector<std::string>& needles, double seconds, size_t from, int* which);
  // Runs `cmd` and reads until its marker line. *status: what followed the
  // marker (the shell's status; "" or "0" is success), *output: the text
  // between the command and the marker.
  Wait run(const std::string& cmd, double seconds, std::string* status, std::string* output);
  bool send(const std::string& s);

  const std::string& text() const { return text_; }  // cleaned, whole session
  const std::string& panic_line() const { return panic_line_; }

 private:
  bool pump(int timeout_ms);  // false at EOF
  bool find_panic(size_t from);
  Child& child_;
  std::string status_var_;
  std::vector<std::string> panics_;
  std::string raw_, text_, panic_line_;
  size_t cleaned_upto_ = 0;
  int serial_ = 0;
};

}  // namespace nineml::vm
