// Strict numbers for every command's options (docs/CLI.md): CLI11 alone
// reads "0x10" as 16, "010" as 8, wraps "-5" into an unsigned seed and
// takes "nan" and "inf" as floats.
#include "args.hpp"

#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/core.h>

namespace nineml::cli {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits only, at least one, no leading zero unless the number is 0.
bool plain_digits(const std::string& s, size_t from) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); i++)
    if (!is_digit(s[i])) return false;
  return s[from] != '0' || s.size() == from + 1;
}

// Magnitude of the digits from `from`, or false on overflow.
bool magnitude(const std::string& s, size_t from, unsigned long long& out) {
  const unsigned long long max = std::numeric_limits<unsigned long long>::max();
  out = 0;
  for (size_t i = from; i < s.size(); i++) {
    unsigned d = static_cast<unsigned>(s[i] - '0');
    if (out > (max - d) / 10) return false;
    out = out * 10 + d;
  }
  return true;
}

// -?(digits[.digits?]|.digits)([eE][+-]?digits)?
bool decimal_syntax(const std::string& s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0, digits = 0;
  while (i < s.size() && is_digit(s[i])) i++, digits++;
  if (i < s.size() && s[i] == '.') {
    i++;
    while (i < s.size() && is_digit(s[i])) i++, digits++;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    size_t exp = 0;
    while (i < s.size() && is_digit(s[i])) i++, exp++;
    if (exp == 0) return false;
  }
  return i == s.size();
}

std::string range_text(long long lo, unsigned long long hi) {
  return fmt::format("expected an integer in {}..{}", lo, hi);
}

std::string real_range_text(double lo, double hi) {
  if (hi >= FLT_MAX) return fmt::format("expected a finite number >= {:g}", lo);
  return fmt::format("expected a number in [{:g}, {:g}]", lo, hi);
}

[[noreturn]] void bad(const std::string& opt, const std::string& text, const std::string& want) {
  throw BadNumber(opt + " " + text + ": " + want);
}

}  // namespace

long long parse_integer(const std::string& opt, const std::string& text, long long lo, long long hi) {
  const bool neg = !text.empty() && text[0] == '-';
  unsigned long long mag = 0;
  if (!plain_digits(text, neg ? 1 : 0) || !magnitude(text, neg ? 1 : 0, mag))
    bad(opt, text, range_text(lo, static_cast<unsigned long long>(hi)));
  const unsigned long long max = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  if (mag > max + (neg ? 1 : 0)) bad(opt, text, range_text(lo, static_cast<unsigned long long>(hi)));
  const long long v = neg ? (mag == max + 1 ? std::numeric_limits<long long>::min() : -static_cast<long long>(mag))
                          : static_cast<long long>(mag);
  if (v < lo || v > hi) bad(opt, text, range_text(lo, static_cast<unsigned long long>(hi)));
  return v;
}

unsigned long long parse_unsigned(const std::string& opt, const std::string& text, unsigned long long hi) {
  unsigned long long v = 0;
  if (!plain_digits(text, 0) || !magnitude(text, 0, v) || v > hi) bad(opt, text, range_text(0, hi));
  return v;
}

double parse_real(const std::string& opt, const std::string& text, double lo, double hi) {
  if (!decimal_syntax(text)) bad(opt, text, real_range_text(lo, hi));
  const double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v) || v < lo || v > hi) bad(opt, text, real_range_text(lo, hi));
  return v;
}

// The name a message gives: the short one when an option has both (run's
// -t/--temp), llama2.c's and the docs' name; else its only name.
static std::string shown_name(const CLI::Option* o) {
  return o->get_snames().empty() ? o->get_name() : "-" + o->get_snames().front();
}

CLI::Option* integer(CLI::Option* o, long long lo, long long hi) {
  return o->check(CLI::Validator(
      [o, lo, hi](std::string& s) {
        parse_integer(shown_name(o), s, lo, hi);
        return std::string();
      },
      "", "integer"));
}

CLI::Option* unsigned_integer(CLI::Option* o, unsigned long long hi) {
  return o->check(CLI::Validator(
      [o, hi](std::string& s) {
        parse_unsigned(shown_name(o), s, hi);
        return std::string();
      },
      "", "unsigned"));
}

CLI::Option* real(CLI::Option* o, double lo, double hi) {
  return o->check(CLI::Validator(
      [o, lo, hi](std::string& s) {
        parse_real(shown_name(o), s, lo, hi);
        return std::string();
      },
      "", "real"));
}

void as_usage(const std::function<void()>& check) {
  try {
    check();
  } catch (const UsageError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

void check_writable_dir(const std::string& opt, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(opt + " " + dir + ": cannot create the directory: " + ec.message());
  const std::string probe = (std::filesystem::path(dir) / ".9ml-write-probe").string();
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error(opt + " " + dir + ": cannot write in the directory: " + std::strerror(errno));
  const bool ok = std::fputs("9ml\n", f) >= 0;
  const bool closed = std::fclose(f) == 0;
  std::remove(probe.c_str());
  if (!ok || !closed) throw std::runtime_error(opt + " " + dir + ": cannot write in the directory");
}

void check_writable_file(const std::string& opt, const std::string& file) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(file, ec);
  if (std::filesystem::is_directory(file, ec)) throw std::runtime_error(opt + " " + file + ": is a directory");
  std::FILE* f = std::fopen(file.c_str(), "ab");
  if (f == nullptr) throw std::runtime_error(opt + " " + file + ": cannot write: " + std::strerror(errno));
  std::fclose(f);
  if (!existed) std::remove(file.c_str());
}

}  // namespace nineml::cli
