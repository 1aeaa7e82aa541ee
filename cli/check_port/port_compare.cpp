// The reference's run for a fixture case and the reading of a port's output.
#include "port_compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "npy.hpp"

namespace nineml::cli::port {

std::string printed_piece(const nm_vocab& vocab, int prev, int token) {
  const char* p = nullptr;
  int len = 0;
  char err[128];
  if (nm_tok_decode_piece(&vocab, prev, token, &p, &len, err, sizeof err) != 0) return "";
  // run.c's safe_printf: a lone unprintable byte is not shown
  if (len == 1) {
    const unsigned char c = static_cast<unsigned char>(p[0]);
    if (!(c >= 32 && c < 127) && c != '\n' && c != '\t' && c != '\r' && c != ' ') return "";
  }
  return std::string(p, static_cast<size_t>(len));
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (unsigned char c : s) {
    if (c < 32 || c == 127) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      q += b;
    } else {
      q += static_cast<char>(c);
    }
  }
  return q + "'";
}

std::string shown_piece(const nm_vocab& vocab, int prev, int token) {
  const char* p = nullptr;
  int len = 0;
  char err[128];
  if (nm_tok_decode_piece(&vocab, prev, token, &p, &len, err, sizeof err) != 0) return "(no such token)";
  std::string q = "'";
  for (int i = 0; i < len; i++) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    char b[8];
    std::snprintf(b, sizeof b, "\\x%02x", c);
    q += c < 32 || c >= 127 ? std::string(b) : std::string(1, static_cast<char>(c));
  }
  // Whole UTF-8 characters read better as themselves.
  bool ascii = true;
  for (int i = 0; i < len; i++) ascii = ascii && static_cast<unsigned char>(p[i]) < 128;
  int bad = 0;
  if (!ascii && nm_utf8_check(p, len, &bad) == 0) return quoted(std::string(p, static_cast<size_t>(len)));
  return q + "'";
}

double margin_ratio(const Expected& e) {
  double r = INFINITY;
  for (size_t p = static_cast<size_t>(std::max(e.n_prompt - 1, 0)); p < e.margin.size(); p++)
    r = std::min(r, e.margin[p] / e.tol[p]);
  return r;
}

Expected expect(const ref::Checkpoint& ck, const nm_vocab& vocab, const std::string& prompt, int steps) {
  Expected e;
  std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(prompt.size()))));
  int n = 0;
  char err[256];
  if (nm_tok_encode(&vocab, prompt.data(), static_cast<int>(prompt.size()), 1, 0, ids.data(),
                    static_cast<int>(ids.size()), &n, err, sizeof err) != 0)
    throw std::runtime_error("prompt '" + prompt + "': " + err);
  ids.resize(static_cast<size_t>(n));
  e.n_prompt = n;
  const ref::Generation g = ref::generate(ck, ref::Mode::llama2c, ids, steps, 0.0f, 0.9f, 1);
  e.tokens = g.tokens;
  if (e.tokens.size() > 1 && e.tokens.back() == 1) {
    e.tokens.pop_back();
    e.ended_by_bos = true;
  }
  // The exact (float64) model on the same tokens: how far a correct float32
  // order lands from the true logits at each position.
  ref::Transformer exact(ck, ref::Mode::exact);
  double worst = 0;
  for (size_t p = 0; p < g.logits.size(); p++) {
    const std::vector<double> x = exact.forward(g.tokens[p], static_cast<int>(p));
    std::vector<float> row(g.logits[p].begin(), g.logits[p].end());
    double dist = 0, top = -INFINITY, second = -INFINITY, big = 0;
    for (size_t j = 0; j < row.size(); j++) {
      dist = std::max(dist, std::fabs(static_cast<double>(row[j]) - x[j]));
      big = std::max(big, std::fabs(static_cast<double>(row[j])));
      if (row[j] > top) {
        second = top;
        top = row[j];
      } else if (row[j] > second) {
        second = row[j];
      }
    }
    // 8 times the reference's largest distance from the exact logits up to
    // this position, and never below 4 float32 ULPs of the largest logit
    // (docs/CHECK_PORT.md).
    worst = std::max(worst, dist);
    e.tol.push_back(std::max(8 * worst, 4 * big * std::ldexp(1.0, -23)));
    e.margin.push_back(top - second);
    e.logits.push_back(std::move(row));
  }
  e.piece_end.push_back(0);
  for (size_t i = 1; i < e.tokens.size(); i++) {
    e.text += printed_piece(vocab, e.tokens[i - 1], e.tokens[i]);
    e.piece_end.push_back(e.text.size());
  }
  return e;
}

std::vector<int> parse_ids(const std::string& out) {
  std::vector<int> ids;
  std::istringstream s(out);
  for (std::string w; s >> w;) {
    bool digits = !w.empty() && w.size() <= 9;
    for (char c : w) digits = digits && c >= '0' && c <= '9';
    if (digits) ids.push_back(std::stoi(w));
  }
  return ids;
}

std::optional<Divergence> compare_ids(const Expected& e, std::vector<int> got) {
  if (!got.empty() && got[0] != 1) got.insert(got.begin(), 1);  // the leading BOS is optional
  if (e.ended_by_bos && got.size() == e.tokens.size() + 1 && got.back() == 1) got.pop_back();
  const size_t n = std::min(got.size(), e.tokens.size());
  for (size_t i = 0; i < n; i++)
    if (got[i] != e.tokens[i]) {
      Divergence d;
      d.index = i;
      d.got = got[i];
      return d;
    }
  if (got.size() == e.tokens.size()) return std::nullopt;
  Divergence d;
  d.index = n;
  if (got.size() < e.tokens.size()) {
    d.port_ended = true;
  } else {
    d.port_longer = true;
    d.got = got[n];
  }
  return d;
}

std::optional<Divergence> compare_text(const Expected& e, const nm_vocab& vocab, const std::string& out) {
  std::string text = out;
  if (!text.empty() && text.back() == '\n') text.pop_back();  // run.c's final newline
  if (text == e.text) return std::nullopt;
  // The first token whose piece the port's text does not continue with.
  size_t i = 1;
  auto same = [&](size_t k) {
    const size_t from = e.piece_end[k - 1], len = e.piece_end[k] - from;
    return text.size() >= e.piece_end[k] && text.compare(from, len, e.text, from, len) == 0;
  };
  while (i < e.tokens.size() && same(i)) i++;
  Divergence d;
  d.index = i;
  const size_t at = e.piece_end[i - 1];
  d.got_text = text.size() > at ? text.substr(at, 24) : "";
  d.port_ended = text.size() <= at;
  d.port_longer = i == e.tokens.size();
  if (!d.port_ended) {
    // Guess the token: the longest piece (after the previous token) the text goes on with.
    size_t best = 0;
    for (int t = 0; t < vocab.n; t++) {
      const std::string p = printed_piece(vocab, e.tokens[i - 1], t);
      if (!p.empty() && p.size() > best && text.compare(at, p.size(), p) == 0) {
        best = p.size();
        d.got = t;
      }
    }
    d.got_guessed = d.got.has_value();
  }
  return d;
}

std::vector<std::vector<float>> read_logits(const std::string& path, int vocab) {
  std::vector<float> flat;
  if (!std::ifstream(path)) throw std::runtime_error(path + ": cannot open (the port wrote no logits there)");
  const bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  if (npy) {
    const fixtures::NpyArray a = fixtures::npy_read(path);
    if (a.dtype != "<f4") throw std::runtime_error(path + ": dtype " + a.dtype + ", expected <f4 (float32)");
    const bool shape_ok = (a.shape.size() == 2 && a.shape[1] == vocab) || (a.shape.size() == 1 && a.shape[0] == vocab);
    if (!shape_ok) throw std::runtime_error(path + ": shape is not [positions, " + std::to_string(vocab) + "]");
    flat.resize(static_cast<size_t>(a.count()));
    std::memcpy(flat.data(), a.data.data(), flat.size() * sizeof(float));
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open (the port wrote no logits there)");
    std::ostringstream s;
    s << f.rdbuf();
    const std::string bytes = s.str();
    if (bytes.size() % (sizeof(float) * static_cast<size_t>(vocab)) != 0)
      throw std::runtime_error(path + ": " + std::to_string(bytes.size()) + " bytes, not a whole number of rows of " +
                               std::to_string(vocab) + " float32");
    flat.resize(bytes.size() / sizeof(float));
    std::memcpy(flat.data(), bytes.data(), bytes.size());
  }
  std::vector<std::vector<float>> rows;
  for (size_t r = 0; r * static_cast<size_t>(vocab) < flat.size(); r++)
    rows.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(r * static_cast<size_t>(vocab)),
                      flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * static_cast<size_t>(vocab)));
  return rows;
}

}  // namespace nineml::cli::port
