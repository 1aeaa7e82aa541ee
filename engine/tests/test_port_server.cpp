// port.h's server layer on the host: memory accounting, threads with locks
// and conditions, byte-stream servers on tcp! and unix! dial strings, and
// nm_real_path. Threads here are started with nm_thread_start (detached), so
// what they touch is on the heap and the test waits on counters with a
// deadline instead of joining: a broken lock or condition fails the
// deadline rather than hanging the run.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "port/port.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Dir {
  fs::path p;
  Dir() {
    p = fs::temp_directory_path() / ("nm-srv-" + std::to_string(::getpid()) + "-" +
                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~Dir() { fs::remove_all(p); }
  std::string file(const std::string& n) const { return (p / n).string(); }
};

// Polls until pred() or the deadline; true if pred() held.
template <class F>
bool eventually(F pred, std::chrono::milliseconds limit = 20000ms) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// ---- memory accounting ----

TEST(PortAlloc, LiveGrowsByUsableSizeAndReturns) {
  EXPECT_EQ(nm_alloc_size(nullptr), 0u);
  const nm_u64 start = nm_alloc_live();
  std::vector<void*> blocks;
  nm_u64 sum = 0;
  for (nm_u64 n : {1ull, 100ull, 1000ull, 4096ull, 100000ull, 3ull << 20}) {
    void* p = nm_alloc(n);
    ASSERT_NE(p, nullptr);
    nm_u64 size = nm_alloc_size(p);
    EXPECT_GE(size, n);
    EXPECT_EQ(size, malloc_usable_size(p)) << "the allocator's usable size, not the request";
    sum += size;
    EXPECT_EQ(nm_alloc_live(), start + sum) << "after nm_alloc(" << n << ")";
    blocks.push_back(p);
  }
  for (void* p : blocks) {
    nm_u64 before = nm_alloc_live(), size = nm_alloc_size(p);
    nm_free(p);
    EXPECT_EQ(nm_alloc_live(), before - size);
  }
  EXPECT_EQ(nm_alloc_live(), start);
  nm_free(nullptr);
  EXPECT_EQ(nm_alloc_live(), start);
}

// nm_read_file's buffer is counted, and a failed read gives its buffer back.
TEST(PortAlloc, ReadFileCountsItsBuffer) {
  Dir d;
  std::ofstream(d.file("f"), std::ios::binary) << std::string(5000, 'x');
  const nm_u64 start = nm_alloc_live();
  nm_u8* data = nullptr;
  nm_u64 len = 0;
  char err[256];
  ASSERT_EQ(nm_read_file(d.file("f").c_str(), &data, &len, err, sizeof err), 0) << err;
  EXPECT_EQ(nm_alloc_live(), start + nm_alloc_size(data));
  nm_free(data);
  EXPECT_EQ(nm_alloc_live(), start);
}

struct AllocStorm {
  std::atomic<int> done{0};
};

// Concurrent nm_alloc/nm_free from several threads: the counter is exact.
TEST(PortAlloc, LiveIsExactUnderThreads) {
  const nm_u64 start = nm_alloc_live();
  auto* st = new AllocStorm;
  const int n = 8;
  char err[256];
  for (int i = 0; i < n; i++)
    ASSERT_EQ(nm_thread_start(
                  [](void* a) {
                    auto* s = static_cast<AllocStorm*>(a);
                    for (int k = 0; k < 200000; k++) nm_free(nm_alloc(static_cast<nm_u64>(16 + (k % 8) * 8)));
                    s->done++;
                  },
                  st, err, sizeof err),
              0)
        << err;
  ASSERT_TRUE(eventually([&] { return st->done.load() == n; }));
  EXPECT_EQ(nm_alloc_live(), start);
  delete st;
}

// ---- threads, locks, conditions ----

// A bounded queue: producers wait while it is full, consumers while it is
// empty, all on one lock and two conditions. A lock that does not exclude
// loses or duplicates items; a wait that does not release the lock, or a
// broadcast that wakes nobody, stalls it past the deadline.
struct Queue {
  nm_lock* l = nm_lock_new();
  nm_cond* not_full = nm_cond_new(l);
  nm_cond* not_empty = nm_cond_new(l);
  static constexpr int kCap = 3;
  long items[kCap] = {};
  int head = 0, count = 0;
  long consumed_sum = 0, consumed_n = 0;  // under l
  long unlocked_counter = 0;              // incremented only with l held
  std::atomic<int> finished{0};
  int per_producer = 0;
};

void produce(void* a) {
  auto* q = static_cast<Queue*>(a);
  for (long v = 1; v <= q->per_producer; v++) {
    nm_lock_acquire(q->l);
    while (q->count == Queue::kCap) nm_cond_wait(q->not_full);
    q->items[(q->head + q->count) % Queue::kCap] = v;
    q->count++;
    q->unlocked_counter++;
    nm_cond_broadcast(q->not_empty);
    nm_lock_release(q->l);
  }
  q->finished++;
}

void consume(void* a) {
  auto* q = static_cast<Queue*>(a);
  for (;;) {
    nm_lock_acquire(q->l);
    while (q->count == 0) nm_cond_wait(q->not_empty);
    long v = q->items[q->head];
    q->head = (q->head + 1) % Queue::kCap;
    q->count--;
    nm_cond_broadcast(q->not_full);
    if (v < 0) {  // the end marker
      nm_lock_release(q->l);
      break;
    }
    q->consumed_sum += v;
    q->consumed_n++;
    q->unlocked_counter++;
    nm_lock_release(q->l);
  }
  q->finished++;
}

TEST(PortThreads, ProducerConsumer) {
  auto* q = new Queue;
  ASSERT_NE(q->l, nullptr);
  ASSERT_NE(q->not_full, nullptr);
  ASSERT_NE(q->not_empty, nullptr);
  const int producers = 3, consumers = 2;
  q->per_producer = 20000;
  char err[256];
  for (int i = 0; i < consumers; i++) ASSERT_EQ(nm_thread_start(consume, q, err, sizeof err), 0) << err;
  for (int i = 0; i < producers; i++) ASSERT_EQ(nm_thread_start(produce, q, err, sizeof err), 0) << err;
  ASSERT_TRUE(eventually([&] { return q->finished.load() == producers; }))
      << "producers stalled: " << q->finished.load() << " of " << producers;
  // One end marker per consumer, through the same queue.
  for (int i = 0; i < consumers; i++) {
    nm_lock_acquire(q->l);
    while (q->count == Queue::kCap) nm_cond_wait(q->not_full);
    q->items[(q->head + q->count) % Queue::kCap] = -1;
    q->count++;
    nm_cond_broadcast(q->not_empty);
    nm_lock_release(q->l);
  }
  ASSERT_TRUE(eventually([&] { return q->finished.load() == producers + consumers; })) << "consumers stalled";
  const long n = q->per_producer;
  EXPECT_EQ(q->consumed_n, producers * n);
  EXPECT_EQ(q->consumed_sum, producers * n * (n + 1) / 2);
  EXPECT_EQ(q->unlocked_counter, 2 * producers * n) << "increments under the lock were lost";
  nm_cond_free(q->not_full);
  nm_cond_free(q->not_empty);
  nm_lock_free(q->l);
  delete q;
}

// A waiter sleeps until the broadcast: it must not see the flag unset after
// returning from a wait that a broadcast ended, and it must wake at all.
struct Gate {
  nm_lock* l = nm_lock_new();
  nm_cond* c = nm_cond_new(l);
  bool open = false;
  std::atomic<int> waiting{0}, through{0};
};

TEST(PortThreads, BroadcastWakesEveryWaiter) {
  auto* g = new Gate;
  char err[256];
  const int n = 5;
  for (int i = 0; i < n; i++)
    ASSERT_EQ(nm_thread_start(
                  [](void* a) {
                    auto* g = static_cast<Gate*>(a);
                    nm_lock_acquire(g->l);
                    g->waiting++;
                    while (!g->open) nm_cond_wait(g->c);
                    nm_lock_release(g->l);
                    g->through++;
                  },
                  g, err, sizeof err),
              0)
        << err;
  ASSERT_TRUE(eventually([&] { return g->waiting.load() == n; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(g->through.load(), 0) << "a waiter passed a closed gate";
  nm_lock_acquire(g->l);
  g->open = true;
  nm_cond_broadcast(g->c);
  nm_lock_release(g->l);
  ASSERT_TRUE(eventually([&] { return g->through.load() == n; })) << g->through.load() << " of " << n << " woke";
  nm_cond_free(g->c);
  nm_lock_free(g->l);
  delete g;
}

// ---- byte-stream servers ----

int connect_tcp(const std::string& announced) {
  // "tcp!127.0.0.1!PORT"
  auto bang = announced.rfind('!');
  int port = std::stoi(announced.substr(bang + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_all(int fd) {
  std::string s;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    s.append(buf, static_cast<size_t>(n));
  }
  return s;
}

std::string big(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

// Server side of one connection: reads the client's request to its end,
// answers with reply, closes. Checks every byte of both directions.
void serve_and_check(int listener, int client, const std::string& request, const std::string& reply) {
  char err[256];
  auto writer = std::async(std::launch::async, [&] {
    size_t off = 0;
    while (off < request.size()) {
      ssize_t w = ::write(client, request.data() + off, request.size() - off);
      if (w <= 0) return false;
      off += static_cast<size_t>(w);
    }
    ::shutdown(client, SHUT_WR);
    return true;
  });
  int c = nm_accept(listener, err, sizeof err);
  ASSERT_GE(c, 0) << err;
  std::string got;
  char buf[1000];
  for (;;) {
    long n = nm_conn_read(c, buf, sizeof buf);
    ASSERT_GE(n, 0);
    if (n == 0) break;
    ASSERT_LE(n, static_cast<long>(sizeof buf));
    got.append(buf, static_cast<size_t>(n));
  }
  ASSERT_TRUE(writer.get());
  EXPECT_EQ(got, request);
  auto reader = std::async(std::launch::async, [&] { return read_all(client); });
  EXPECT_EQ(nm_conn_write(c, reply.data(), static_cast<long>(reply.size())), static_cast<long>(reply.size()));
  nm_conn_close(c);
  EXPECT_EQ(reader.get(), reply);
  ::close(client);
}

TEST(PortNet, TcpAnnounceAcceptReadWrite) {
  char err[256], addr[128];
  int l = nm_announce("tcp!127.0.0.1!0", err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, addr, sizeof addr), 0);
  std::string a = addr;
  ASSERT_EQ(a.rfind("tcp!127.0.0.1!", 0), 0u) << a;
  EXPECT_GT(std::stoi(a.substr(14)), 0) << "port 0 must report the port bound: " << a;
  EXPECT_EQ(nm_announced(l, addr, 5), -1) << "a buffer too small is refused";
  // Two connections in turn on one listener, large in both directions.
  for (int round = 0; round < 2; round++) {
    int client = connect_tcp(a);
    ASSERT_GE(client, 0);
    serve_and_check(l, client, big(300000 + round), big(2000000 + round));
  }
  nm_announce_close(l);
  EXPECT_LT(connect_tcp(a), 0) << "still listening after nm_announce_close";
}

TEST(PortNet, TcpLocalhostAndEveryInterface) {
  char err[256], addr[128];
  int l = nm_announce("tcp!localhost!0", err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, addr, sizeof addr), 0);
  EXPECT_EQ(std::string(addr).rfind("tcp!127.0.0.1!", 0), 0u) << addr;
  int client = connect_tcp(addr);
  ASSERT_GE(client, 0);
  serve_and_check(l, client, "ping", "pong");
  nm_announce_close(l);

  l = nm_announce("tcp!*!0", err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, addr, sizeof addr), 0);
  EXPECT_EQ(std::string(addr).rfind("tcp!*!", 0), 0u) << addr;
  client = connect_tcp(addr);  // loopback reaches every-interface
  ASSERT_GE(client, 0);
  serve_and_check(l, client, "ping", "pong");
  nm_announce_close(l);
}

TEST(PortNet, TcpIpv6Loopback) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  bool v6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (probe >= 0) ::close(probe);
  if (!v6) GTEST_SKIP() << "no IPv6 loopback on this host";
  char err[256], addr[128];
  int l = nm_announce("tcp!::1!0", err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, addr, sizeof addr), 0);
  std::string a = addr;
  ASSERT_EQ(a.rfind("tcp!::1!", 0), 0u) << a;
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sa.sin6_port = htons(static_cast<uint16_t>(std::stoi(a.substr(8))));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  serve_and_check(l, fd, "over v6", "ok");
  nm_announce_close(l);
}

TEST(PortNet, UnixSocket) {
  Dir d;
  std::string path = d.file("s"), addr = "unix!" + path;
  char err[256], got[512];
  int l = nm_announce(addr.c_str(), err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, got, sizeof got), 0);
  EXPECT_EQ(std::string(got), addr);
  // A second server on the same live socket is refused; the first keeps
  // it and sees the check's connection as one that ends at once.
  int second = nm_announce(addr.c_str(), err, sizeof err);
  if (second >= 0) {
    nm_announce_close(second);
    nm_announce_close(l);
    FAIL() << "a second server took the socket of a running one";
  }
  EXPECT_NE(std::string(err).find(addr), std::string::npos) << err;
  int probe = nm_accept(l, err, sizeof err);
  ASSERT_GE(probe, 0) << err;
  char b[16];
  EXPECT_EQ(nm_conn_read(probe, b, sizeof b), 0);
  nm_conn_close(probe);
  int client = connect_unix(path);
  ASSERT_GE(client, 0);
  serve_and_check(l, client, big(100000), big(500000));
  nm_announce_close(l);
  EXPECT_FALSE(fs::exists(fs::symlink_status(path))) << "the socket file was left behind";
}

TEST(PortNet, UnixStaleSocketIsReplaced) {
  Dir d;
  std::string path = d.file("s"), addr = "unix!" + path;
  {  // a server that died: its socket file stays, nobody listens
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::is_socket(path));
  char err[256];
  int l = nm_announce(addr.c_str(), err, sizeof err);
  ASSERT_GE(l, 0) << err;
  int client = connect_unix(path);
  ASSERT_GE(client, 0);
  serve_and_check(l, client, "hello", "world");
  nm_announce_close(l);
}

TEST(PortNet, UnixRegularFileIsKept) {
  Dir d;
  std::string path = d.file("precious"), addr = "unix!" + path;
  std::ofstream(path) << "keep me";
  char err[256] = "";
  EXPECT_LT(nm_announce(addr.c_str(), err, sizeof err), 0);
  std::string e = err;
  EXPECT_EQ(e.rfind(addr + ": ", 0), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  std::ifstream f(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(f), {}), "keep me");
}

TEST(PortNet, BadAddressesGiveOneLineErrors) {
  for (const char* a : {"tcp!nohost", "tcp!nohost!5640", "tcp!1.2.3.4!99999", "tcp!127.0.0.1!http", "udp!x",
                        "tcp!!5640", "unix!", "nonsense", "tcp!127.0.0.1!1!2"}) {
    char err[256] = "";
    EXPECT_EQ(nm_announce(a, err, sizeof err), -1) << a;
    std::string e = err;
    EXPECT_EQ(e.rfind(std::string(a) + ": ", 0), 0u) << a << " gave: " << e;
    EXPECT_GT(e.size(), std::strlen(a) + 2) << a;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  char err[256];
  nm_announce("tcp!nohost!5640", err, sizeof err);
  EXPECT_NE(std::string(err).find("nohost"), std::string::npos) << err;
  nm_announce("tcp!1.2.3.4!99999", err, sizeof err);
  EXPECT_NE(std::string(err).find("99999"), std::string::npos) << err;
  nm_announce("udp!x", err, sizeof err);
  EXPECT_NE(std::string(err).find("udp"), std::string::npos) << err;
}

// A peer that goes away: writes fail with -1 and the process lives on
// (the default SIGPIPE action would end the test binary here).
TEST(PortNet, WriteToClosedPeerDoesNotKill) {
  struct sigaction old{}, dfl{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &old), 0);
  char err[256], addr[128];
  int l = nm_announce("tcp!127.0.0.1!0", err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, addr, sizeof addr), 0);
  int client = connect_tcp(addr);
  ASSERT_GE(client, 0);
  int c = nm_accept(l, err, sizeof err);
  ASSERT_GE(c, 0) << err;
  ::close(client);
  std::string chunk = big(1 << 16);
  long rc = 0;
  for (int i = 0; i < 1000 && rc >= 0; i++) rc = nm_conn_write(c, chunk.data(), static_cast<long>(chunk.size()));
  EXPECT_EQ(rc, -1) << "writes to a closed peer kept succeeding";
  nm_conn_close(c);
  nm_announce_close(l);
  sigaction(SIGPIPE, &old, nullptr);
}

// nm_conn_shutdown from another thread ends a blocked nm_conn_read.
TEST(PortNet, ShutdownEndsABlockedRead) {
  char err[256], addr[128];
  int l = nm_announce("tcp!127.0.0.1!0", err, sizeof err);
  ASSERT_GE(l, 0) << err;
  ASSERT_EQ(nm_announced(l, addr, sizeof addr), 0);
  int client = connect_tcp(addr);
  ASSERT_GE(client, 0);
  int c = nm_accept(l, err, sizeof err);
  ASSERT_GE(c, 0) << err;
  auto reader = std::async(std::launch::async, [c] {
    char buf[64];
    return nm_conn_read(c, buf, sizeof buf);
  });
  EXPECT_EQ(reader.wait_for(200ms), std::future_status::timeout) << "the read did not block";
  nm_conn_shutdown(c);
  if (reader.wait_for(10s) != std::future_status::ready) {
    ::close(client);  // the peer's end releases the read, so the test ends
    reader.wait();
    FAIL() << "nm_conn_shutdown left the read blocked";
  }
  EXPECT_EQ(reader.get(), 0);
  EXPECT_EQ(read_all(client), "") << "the peer sees the end of the stream";
  nm_conn_close(c);
  ::close(client);
  nm_announce_close(l);
}

// ---- nm_real_path ----

TEST(PortRealPath, ResolvesDotDotAndSymlinks) {
  Dir d;
  fs::create_directories(d.p / "a" / "b");
  std::ofstream(d.file("a/b/f")) << "x";
  fs::create_directory_symlink(d.p / "a", d.p / "link");
  fs::create_symlink("b/f", d.p / "a" / "flink");
  const std::string canon = fs::canonical(d.p).string();
  char out[4096], err[512];
  ASSERT_EQ(nm_real_path((d.p / "link" / "b" / ".." / "b").c_str(), out, sizeof out, err, sizeof err), 0) << err;
  EXPECT_EQ(std::string(out), canon + "/a/b");
  ASSERT_EQ(nm_real_path((d.p / "link" / "flink").c_str(), out, sizeof out, err, sizeof err), 0) << err;
  EXPECT_EQ(std::string(out), canon + "/a/b/f");
  // Relative to the working directory, with .. above a symlinked folder.
  auto cwd = fs::current_path();
  fs::current_path(d.p / "link" / "b");
  int rc = nm_real_path("../../a/./b/f", out, sizeof out, err, sizeof err);
  fs::current_path(cwd);
  ASSERT_EQ(rc, 0) << err;
  // link/b/.. is a (the symlink's target), so ../.. is d itself.
  EXPECT_EQ(std::string(out), canon + "/a/b/f");
}

TEST(PortRealPath, ErrorsNameThePath) {
  Dir d;
  char out[4096], err[512];
  std::string missing = d.file("nope/x");
  EXPECT_EQ(nm_real_path(missing.c_str(), out, sizeof out, err, sizeof err), -1);
  EXPECT_EQ(std::string(err).rfind(missing + ": ", 0), 0u) << err;
  // A result longer than the buffer is refused, not cut.
  EXPECT_EQ(nm_real_path(d.p.c_str(), out, 4, err, sizeof err), -1);
  EXPECT_EQ(std::string(err).rfind(d.p.string() + ": ", 0), 0u) << err;
}

}  // namespace
