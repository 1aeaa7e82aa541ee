// client.hpp: a small blocking 9P2000 client over a TCP or Unix socket, for
// the server's tests and benchmark (llmfs's real clients are Linux's v9fs
// and 9front's mount driver: vmharness tests). Messages go through the
// codec (fcall.h); replies may be taken out of order by tag (send/recv).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "fcall.h"
}

namespace llmfs_test {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Reply {
  lf_fcall f{};
  std::vector<uint8_t> raw;
  std::vector<char> strs;
  std::string data() const { return std::string(reinterpret_cast<const char*>(f.data), f.count); }
};

class Client {
 public:
  // addr: "tcp!127.0.0.1!PORT" or "unix!PATH"
  explicit Client(const std::string& addr) {
    if (addr.rfind("unix!", 0) == 0) {
      fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un sa{};
      sa.sun_family = AF_UNIX;
      std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", addr.substr(5).c_str());
      if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw Error("connect " + addr);
    } else {
      size_t b = addr.rfind('!');
      fd_ = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(b + 1))));
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw Error("connect " + addr);
    }
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Raw bytes (for malformed-message tests).
  void send_raw(const std::vector<uint8_t>& b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw Error("send failed");
      off += static_cast<size_t>(n);
    }
  }
  uint16_t send(lf_fcall t) {
    if (t.type != LF_Tversion) t.tag = next_tag_++;
    if (next_tag_ == LF_NOTAG) next_tag_ = 1;
    std::vector<uint8_t> b(lf_packed_size(&t));
    if (b.empty() || lf_pack(&t, b.data(), static_cast<uint32_t>(b.size())) != b.size()) throw Error("pack failed");
    send_raw(b);
    return t.tag;
  }
  // The reply with this tag (others that arrive first are kept).
  Reply recv(uint16_t tag) {
    for (;;) {
      auto it = early_.find(tag);
      if (it != early_.end()) {
        Reply r = std::move(it->second);
        early_.erase(it);
        fixup(r);
        return r;
      }
      Reply r = read_one();
      if (r.f.tag == tag) return r;
      early_[r.f.tag] = std::move(r);
    }
  }
  // Whether a reply with this tag has arrived (within ms milliseconds).
  bool has_reply(uint16_t tag, int ms) {
    if (early_.count(tag)) return true;
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bool got = false;
    try {
      Reply r = read_one();
      got = r.f.tag == tag;
      early_[r.f.tag] = std::move(r);
    } catch (const Error&) {
    }
    timeval none{0, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    return got || early_.count(tag);
  }
  Reply rpc(const lf_fcall& t) {
    Reply r = recv(send(t));
    if (r.f.type == LF_Rerror) throw Error(r.f.ename);
    if (r.f.type != t.type + 1) throw Error("unexpected reply type " + std::to_string(r.f.type));
    return r;
  }

  uint32_t version(uint32_t msize = 8192, const char* v = "9P2000") {
    lf_fcall t{};
    t.type = LF_Tversion;
    t.tag = LF_NOTAG;
    t.msize = msize;
    t.version = const_cast<char*>(v);
    Reply r = rpc(t);
    msize_ = r.f.msize;
    return r.f.msize;
  }
  void attach(uint32_t fid = 0) {
    lf_fcall t{};
    t.type = LF_Tattach;
    t.fid = fid;
    t.afid = LF_NOFID;
    t.uname = const_cast<char*>("test");
    t.aname = const_cast<char*>("");
    rpc(t);
  }
  void connect_fs() {
    version();
    attach(0);
  }
  // Walks from fid 0 along a slash-separated path to a new fid.
  uint32_t walk(const std::string& path) {
    std::vector<std::string> names;
    size_t p = 0;
    while (p < path.size()) {
      size_t q = path.find('/', p);
      if (q == std::string::npos) q = path.size();
      if (q > p) names.push_back(path.substr(p, q - p));
      p = q + 1;
    }
    lf_fcall t{};
    t.type = LF_Twalk;
    t.fid = 0;
    t.newfid = next_fid_++;
    t.nwname = static_cast<int>(names.size());
    for (size_t i = 0; i < names.size(); i++) t.wname[i] = const_cast<char*>(names[i].c_str());
    Reply r = rpc(t);
    if (r.f.nwqid != t.nwname) throw Error("walk " + path + ": file does not exist");
    return t.newfid;
  }
  void open(uint32_t fid, int mode) {
    lf_fcall t{};
    t.type = LF_Topen;
    t.fid = fid;
    t.mode = static_cast<uint8_t>(mode);
    rpc(t);
  }
  void clunk(uint32_t fid) {
    lf_fcall t{};
    t.type = LF_Tclunk;
    t.fid = fid;
    rpc(t);
  }
  std::string read(uint32_t fid, uint64_t offset, uint32_t count) {
    lf_fcall t{};
    t.type = LF_Tread;
    t.fid = fid;
    t.offset = offset;
    t.count = count;
    return rpc(t).data();
  }
  uint16_t send_read(uint32_t fid, uint64_t offset, uint32_t count) {
    lf_fcall t{};
    t.type = LF_Tread;
    t.fid = fid;
    t.offset = offset;
    t.count = count;
    return send(t);
  }
  std::string read_all(uint32_t fid) {
    std::string s;
    for (;;) {
      std::string d = read(fid, s.size(), msize_ - LF_IOHDRSZ);
      if (d.empty()) return s;
      s += d;
    }
  }
  void write(uint32_t fid, uint64_t offset, const std::string& data) {
    lf_fcall t{};
    t.type = LF_Twrite;
    t.fid = fid;
    t.offset = offset;
    t.count = static_cast<uint32_t>(data.size());
    t.data = reinterpret_cast<const uint8_t*>(data.data());
    rpc(t);
  }
  // cat PATH
  std::string cat(const std::string& path) {
    uint32_t f = walk(path);
    try {
      open(f, LF_OREAD);
      std::string s = read_all(f);
      clunk(f);
      return s;
    } catch (...) {
      clunk(f);
      throw;
    }
  }
  // echo TEXT > PATH
  void echo(const std::string& path, const std::string& text) {
    uint32_t f = walk(path);
    try {
      open(f, LF_OWRITE | LF_OTRUNC);
      write(f, 0, text);
      clunk(f);
    } catch (...) {
      clunk(f);
      throw;
    }
  }
  uint32_t msize() const { return msize_; }
  int fd() const { return fd_; }
  uint32_t new_fid() { return next_fid_++; }

 private:
  Reply read_one() {
    Reply r;
    r.raw.resize(4);
    readn(r.raw.data(), 4);
    uint32_t size = lf_size_field(r.raw.data());
    if (size < 7 || size > (1u << 24)) throw Error("bad reply size");
    r.raw.resize(size);
    readn(r.raw.data() + 4, size - 4);
    fixup(r);
    return r;
  }
  void fixup(Reply& r) {
    r.strs.assign(r.raw.size() + 16, 0);
    char err[256];
    if (lf_unpack(r.raw.data(), static_cast<uint32_t>(r.raw.size()), 0, &r.f, r.strs.data(),
                  static_cast<int>(r.strs.size()), err, sizeof err) != 0)
      throw Error(std::string("bad reply: ") + err);
  }
  void readn(uint8_t* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      ssize_t m = ::recv(fd_, p + got, n - got, 0);
      if (m <= 0) throw Error("connection closed");
      got += static_cast<size_t>(m);
    }
  }
  int fd_ = -1;
  uint16_t next_tag_ = 1;
  uint32_t next_fid_ = 1;
  uint32_t msize_ = 8192;
  std::map<uint16_t, Reply> early_;
};

}  // namespace llmfs_test
