// llmfs_client ADDR: a scripted 9P client for the shell tests (cli/tests/
// llmfs.sh, documented_commands.sh). One connection; commands on stdin, one
// per line:
//   clone            open a session; prints its number, which $n then stands for
//   cat PATH         prints the file's content (and a newline if it has none at its end)
//   write PATH TEXT  writes TEXT (the rest of the line) at offset 0
// A request that fails prints "error: MESSAGE" and the script goes on; the
// exit status is 0 unless the connection fails.
#include <iostream>
#include <string>

#include "client.hpp"

namespace {

std::string subst(std::string s, const std::string& n) {
  for (size_t p; (p = s.find("$n")) != std::string::npos;) s.replace(p, 2, n);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: llmfs_client ADDR <script\n";
    return 2;
  }
  try {
    llmfs_test::Client c(argv[1]);
    c.connect_fs();
    std::string line, n;
    while (std::getline(std::cin, line)) {
      line = subst(line, n);
      size_t sp = line.find(' ');
      std::string cmd = line.substr(0, sp), rest = sp == std::string::npos ? "" : line.substr(sp + 1);
      try {
        if (cmd == "clone") {
          n = c.cat("clone");
          while (!n.empty() && n.back() == '\n') n.pop_back();
          std::cout << n << "\n";
        } else if (cmd == "cat") {
          std::string text = c.cat(rest);
          std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "");
        } else if (cmd == "write") {
          size_t q = rest.find(' ');
          c.echo(rest.substr(0, q), q == std::string::npos ? "" : rest.substr(q + 1));
        } else if (!cmd.empty()) {
          std::cout << "error: unknown script command " << cmd << "\n";
        }
      } catch (const llmfs_test::Error& e) {
        std::cout << "error: " << e.what() << "\n";
      }
      std::cout.flush();
    }
  } catch (const std::exception& e) {
    std::cerr << "llmfs_client: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
