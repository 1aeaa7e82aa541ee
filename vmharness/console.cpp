#include "console.hpp"

#include <chrono>

namespace nineml::vm {

const char* wait_name(Wait w) {
  switch (w) {
    case Wait::matched: return "matched";
    case Wait::timeout: return "timeout";
    case Wait::panic: return "panic";
    case Wait::exited: return "exited";
    case Wait::interrupted: return "interrupted";
  }
  return "?";
}

std::string clean_console(const std::string& raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); i++) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == 0x1b && i + 1 < raw.size()) {
      char k = raw[i + 1];
      if (k == '[') {  // CSI: parameters then a final byte 0x40..0x7e
        i += 2;
        while (i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e)) i++;
      } else if (k == ']') {  // OSC: until BEL or ESC backslash
        i += 2;
        while (i < raw.size() && raw[i] != '\a' && !(raw[i] == 0x1b && i + 1 < raw.size() && raw[i + 1] == '\\')) i++;
        if (i < raw.size() && raw[i] == 0x1b) i++;
      } else {
        i++;  // two-byte escape
      }
      continue;
    }
    if (c == '\n' || c == '\t' || c >= 0x20) out += static_cast<char>(c);
  }
  return out;
}

Console::Console(Child& child, std::string status_var, std::vector<std::string> panic_markers)
    : child_(child), status_var_(std::move(status_var)), panics_(std::move(panic_markers)) {}

bool Console::pump(int timeout_ms) {
  bool open = child_.read_some(raw_, timeout_ms);
  // Clean only up to the last complete escape-free point: keep a trailing
  // partial escape sequence raw until more arrives.
  size_t upto = raw_.size();
  size_t esc = raw_.rfind('\x1b');
  if (esc != std::string::npos && esc >= cleaned_upto_ && raw_.size() - esc < 32) {
    bool complete = false;
    for (size_t j = esc + 2; j < raw_.size(); j++)
      if ((raw_[j] >= 0x40 && raw_[j] <= 0x7e) || raw_[j] == '\a') complete = true;
    if (!complete) upto = esc;
  }
  if (upto > cleaned_upto_) {
    text_ += clean_console(raw_.substr(cleaned_upto_, upto - cleaned_upto_));
    cleaned_upto_ = upto;
  }
  return open;
}

bool Console::find_panic(size_t from) {
  for (const auto& p : panics_) {
    size_t at = text_.find(p, from);
    if (at != std::string::npos) {
      size_t end = text_.find('\n', at);
      size_t begin = text_.rfind('\n', at);
      begin = begin == std::string::npos ? 0 : begin + 1;
      panic_line_ = text_.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      return true;
    }
  }
  return false;
}

Wait Console::wait_until(const std::function<bool(const std::string&)>& match, double seconds, size_t from) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (match(text_.substr(from))) return Wait::matched;
    if (find_panic(from)) return Wait::panic;
    if (g_interrupted) return Wait::interrupted;
    auto now = std::chrono::steady_clock::now();
    if (now >= end) return Wait::timeout;
    int ms = static_cast<int>(std::chrono::duration<double, std::milli>(end - now).count()) + 1;
    if (!pump(ms > 100 ? 100 : ms)) {
      // EOF: take what is left, then decide.
      if (match(text_.substr(from))) return Wait::matched;
      if (find_panic(from)) return Wait::panic;
      return Wait::exited;
    }
  }
}

Wait Console::wait_for_any(const std::vector<std::string>& needles, double seconds, size_t from, int* which) {
  return wait_until(
      [&](const std::string& t) {
        for (size_t i = 0; i < needles.size(); i++)
          if (t.find(needles[i]) != std::string::npos) {
            if (which) *which = static_cast<int>(i);
            return true;
          }
        return false;
      },
      seconds, from);
}

bool Console::send(const std::string& s) { return child_.write_all(s); }

Wait Console::run(const std::string& cmd, double seconds, std::string* status, std::string* output) {
  const std::string n = std::to_string(++serial_);
  const std::string marker = "__DONE_" + n + "_";
  size_t from = text_.size();
  // The typed command says __DO''NE_n_: both rc and sh print __DONE_n_, so
  // the marker can only come from the echo itself, however the terminal
  // echoes, wraps or redraws the typed line.
  if (!send(cmd + "; echo __DO''NE_" + n + "_" + status_var_ + "\n")) return Wait::exited;
  size_t found = std::string::npos, line_end = 0;
  auto match = [&](const std::string& t) {
    size_t at = t.find(marker);
    if (at == std::string::npos) return false;
    size_t nl = t.find('\n', at + marker.size());
    if (nl == std::string::npos) return false;
    found = at;
    line_end = nl;
    return true;
  };
  Wait w = wait_until(match, seconds, from);
  if (w == Wait::matched) {
    std::string t = text_.substr(from);
    if (status) {
      *status = t.substr(found + marker.size(), line_end - found - marker.size());
      while (!status->empty() && (status->back() == ' ' || status->back() == '\t')) status->pop_back();
    }
    if (output) {
      size_t first_nl = t.find('\n');  // skip the echoed command line
      size_t begin = first_nl == std::string::npos || first_nl > found ? 0 : first_nl + 1;
      *output = t.substr(begin, found - begin);
    }
  }
  return w;
}

}  // namespace nineml::vm
