// What an external port must print for one fixture case, and how its output
// is read and compared (docs/CHECK_PORT.md): the reference's greedy run in
// llama2c mode, the port's ids or text, its optional per-position logits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference.hpp"
#include "tokenizer.h"

namespace nineml::cli::port {

struct Expected {
  std::vector<int> tokens;  // BOS, the prompt, the generated ids; a terminating BOS left out
  int n_prompt = 0;         // prompt ids, BOS included
  bool ended_by_bos = false;
  std::vector<std::vector<float>> logits;  // the reference's (llama2c mode) at each position run
  std::vector<double> tol;     // per position: the logits' tolerance (docs/CHECK_PORT.md)
  std::vector<double> margin;  // per position: the reference's top-1 minus top-2 logit
  std::string text;            // what llama2.c's run prints, the final newline left out
  std::vector<size_t> piece_end;  // text offset after token i's piece (i >= 1); [0] = 0
};

// The reference's greedy run (ref::generate, llama2c mode, -t 0) of `steps`
// positions on `prompt` encoded as llama2.c's run encodes it (BOS, no EOS),
// and exact mode on the same tokens for the tolerances.
Expected expect(const ref::Checkpoint& ck, const nm_vocab& vocab, const std::string& prompt, int steps);

// The piece run.c prints for token after prev ("" when it prints nothing).
std::string printed_piece(const nm_vocab& vocab, int prev, int token);
// The token's bytes after prev, printable or not, quoted for a message ('\xb3').
std::string shown_piece(const nm_vocab& vocab, int prev, int token);
// Text quoted for a message, control bytes as \xHH.
std::string quoted(const std::string& s);
// The smallest top-2 margin over the positions that choose a token (from the
// prompt's last), in units of that position's tolerance.
double margin_ratio(const Expected& e);

// Where the port first differs from the reference: the index of the first
// token (in Expected::tokens) it does not reproduce; nullopt when it
// reproduces all of them and nothing more.
struct Divergence {
  size_t index = 0;           // tokens[index] is the first one missed (produced at position index - 1)
  std::optional<int> got;     // the port's token there (ids; or a guess from its text)
  bool got_guessed = false;   // got comes from matching the text against the vocabulary
  std::string got_text;       // text mode: the port's bytes from there (up to 24)
  bool port_ended = false;    // the port's output ended there
  bool port_longer = false;   // the port went on past the reference's end
};

// ids mode: the decimal integers of stdout, in order (other words are
// skipped, so `prompt: 1 2` and `generated: 3` read as 1 2 3). A missing
// leading BOS and a terminating BOS the reference also ended with are allowed.
std::vector<int> parse_ids(const std::string& out);
std::optional<Divergence> compare_ids(const Expected& e, std::vector<int> got);
// text mode: stdout without its final newline must be Expected::text.
std::optional<Divergence> compare_text(const Expected& e, const nm_vocab& vocab, const std::string& out);

// The port's logits file: a .npy float32 [positions, vocab] (C order, or
// [vocab] for one position), or raw little-endian float32 (any other name), a
// whole number of rows. std::runtime_error "PATH: problem".
std::vector<std::vector<float>> read_logits(const std::string& path, int vocab);

}  // namespace nineml::cli::port
