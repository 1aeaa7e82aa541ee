// The command line's conventions, shared by every command (docs/CLI.md):
// strict numbers, and which errors are usage errors (exit 2).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace nineml::cli {

// A command line that is wrong by itself, whatever the files hold: a bad
// value, conflicting options, an unknown name. Exit 2. Every other error (a
// file missing or bad, text the tokenizer rejects, a value the model does not
// fit, a failed run) is a std::exception of another type: exit 1.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A number CLI11 would have taken leniently (hex, octal, "-5" into an
// unsigned, "nan", "inf", a value out of range): the message names the option
// and the value. Thrown from the parse itself, so it leaves as a
// CLI::ParseError (exit 2).
struct BadNumber : CLI::ParseError {
  explicit BadNumber(const std::string& msg) : CLI::ParseError("BadNumber", msg, CLI::ExitCodes::ValidationError) {}
};

// The whole of `text` as one decimal integer (an optional '-', then digits:
// no '+', hex, octal, spaces or fraction) in [lo, hi]; else BadNumber
// "OPT TEXT: expected an integer in LO..HI".
long long parse_integer(const std::string& opt, const std::string& text, long long lo, long long hi);
unsigned long long parse_unsigned(const std::string& opt, const std::string& text, unsigned long long hi);
// The whole of `text` as one finite decimal number (digits, '.', an exponent)
// in [lo, hi]; else BadNumber "OPT TEXT: expected a number in [LO, HI]".
double parse_real(const std::string& opt, const std::string& text, double lo, double hi);

// Checks on an option every value must pass before CLI11 converts it (each
// value of a repeated option too). Return the option for chaining.
CLI::Option* integer(CLI::Option* o, long long lo, long long hi);
CLI::Option* unsigned_integer(CLI::Option* o, unsigned long long hi = std::numeric_limits<unsigned long long>::max());
CLI::Option* real(CLI::Option* o, double lo, double hi);

// Runs check(), turning the std::runtime_error it throws into a UsageError:
// the conformance library's checks of names (kernel, impl, case) and of
// NINEML_FAULT, which describe the command line, not a file.
void as_usage(const std::function<void()>& check);

// Output checked before any expensive work, so a run does not fail at its
// end: DIR is created (with its parents) and a probe file written in it and
// removed; FILE is opened for appending (and removed again if it did not
// exist). Else std::runtime_error "OPT PATH: problem" (exit 1).
void check_writable_dir(const std::string& opt, const std::string& dir);
void check_writable_file(const std::string& opt, const std::string& file);

}  // namespace nineml::cli
