// The 9P2000 codec (llmfs/fcall.c) against the specification: every message
// of intro(5) written out byte by byte by hand from the field lists of
// version(5), attach(5), walk(5), open(5), read(5), clunk(5), remove(5),
// flush(5), stat(5) and error(5), never produced by the packer under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern "C" {
#include "fcall.h"
}

namespace {

using Bytes = std::vector<nm_u8>;

// Hand-written bytes: pairs of hex digits (blanks and '|' ignored) and
// 'quoted' ASCII, e.g. "0b000000 78 0b00 01000000" or "0600 'glenda'".
Bytes H(const char *s) {
  Bytes out;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  while (*s) {
    if (*s == ' ' || *s == '|' || *s == '\n') {
      s++;
    } else if (*s == '\'') {
      s++;
      while (*s && *s != '\'') out.push_back(static_cast<nm_u8>(*s++));
      EXPECT_EQ(*s, '\'') << "unterminated quote";
      if (*s) s++;
    } else {
      int hi = hexval(s[0]), lo = s[1] ? hexval(s[1]) : -1;
      EXPECT_TRUE(hi >= 0 && lo >= 0) << "bad hex at: " << s;
      if (hi < 0 || lo < 0) return out;
      out.push_back(static_cast<nm_u8>(hi << 4 | lo));
      s += 2;
    }
  }
  return out;
}

Bytes cat(Bytes a, const Bytes &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Overwrites the size field (the message's first 4 bytes) with n.
void set_size(Bytes &m, nm_u32 n) {
  m[0] = n & 0xff;
  m[1] = n >> 8 & 0xff;
  m[2] = n >> 16 & 0xff;
  m[3] = n >> 24 & 0xff;
}

struct Unpacked {
  int rc;
  lf_fcall f;
  std::string err;
  std::vector<char> strs;
};

// Decodes the first len bytes of m; cap < 0: a strings buffer of len bytes.
Unpacked unpack_n(const Bytes &m, nm_u32 len, nm_u32 msize = 0, int cap = -1) {
  Unpacked u;
  u.strs.assign(cap < 0 ? (len > 0 ? len : 1) : (cap > 0 ? cap : 1), '\x7f');
  char err[256];
  std::memset(err, 'x', sizeof err);
  u.rc = lf_unpack(m.data(), len, msize, &u.f, u.strs.data(), cap < 0 ? static_cast<int>(len) : cap, err,
                   sizeof err);
  u.err = err;
  return u;
}

Unpacked unpack(const Bytes &m, nm_u32 msize = 0) { return unpack_n(m, static_cast<nm_u32>(m.size()), msize); }

// The reason must be one non-empty line.
void expect_one_line(const Unpacked &u) {
  EXPECT_FALSE(u.err.empty());
  EXPECT_EQ(u.err.find('\n'), std::string::npos) << u.err;
}

void expect_refused(const Bytes &m, const std::string &reason, nm_u32 msize = 0) {
  Unpacked u = unpack(m, msize);
  EXPECT_EQ(u.rc, -1) << "accepted a message that should fail with: " << reason;
  EXPECT_EQ(u.err, reason);
  expect_one_line(u);
}

bool same_str(const char *a, const char *b) {
  if (a == nullptr || b == nullptr) return a == b;
  return std::strcmp(a, b) == 0;
}

std::string show(const char *s) { return s ? "\"" + std::string(s) + "\"" : "nil"; }

void expect_qid(const lf_qid &a, const lf_qid &b, const char *what) {
  EXPECT_EQ(a.type, b.type) << what;
  EXPECT_EQ(a.vers, b.vers) << what;
  EXPECT_EQ(a.path, b.path) << what;
}

// Every field of f equals want's (strings by content, nil only where want is nil).
void expect_fcall(const lf_fcall &f, const lf_fcall &want) {
  EXPECT_EQ(f.type, want.type);
  EXPECT_EQ(f.tag, want.tag);
  EXPECT_EQ(f.fid, want.fid);
  EXPECT_EQ(f.msize, want.msize);
  EXPECT_TRUE(same_str(f.version, want.version)) << show(f.version);
  EXPECT_EQ(f.afid, want.afid);
  EXPECT_TRUE(same_str(f.uname, want.uname)) << show(f.uname);
  EXPECT_TRUE(same_str(f.aname, want.aname)) << show(f.aname);
  expect_qid(f.qid, want.qid, "qid");
  EXPECT_EQ(f.iounit, want.iounit);
  EXPECT_TRUE(same_str(f.ename, want.ename)) << show(f.ename);
  EXPECT_EQ(f.oldtag, want.oldtag);
  EXPECT_EQ(f.newfid, want.newfid);
  ASSERT_EQ(f.nwname, want.nwname);
  for (int i = 0; i < f.nwname; i++) EXPECT_TRUE(same_str(f.wname[i], want.wname[i])) << i << show(f.wname[i]);
  ASSERT_EQ(f.nwqid, want.nwqid);
  for (int i = 0; i < f.nwqid; i++) expect_qid(f.wqid[i], want.wqid[i], "wqid");
  EXPECT_EQ(f.mode, want.mode);
  EXPECT_TRUE(same_str(f.name, want.name)) << show(f.name);
  EXPECT_EQ(f.perm, want.perm);
  EXPECT_EQ(f.offset, want.offset);
  EXPECT_EQ(f.count, want.count);
  ASSERT_EQ(f.data == nullptr, want.data == nullptr);
  if (f.data) {
    EXPECT_EQ(std::memcmp(f.data, want.data, f.count), 0);
  }
  ASSERT_EQ(f.nstat, want.nstat);
  ASSERT_EQ(f.stat == nullptr, want.stat == nullptr);
  if (f.stat) {
    EXPECT_EQ(std::memcmp(f.stat, want.stat, f.nstat), 0);
  }
}

lf_fcall blank(int type, int tag) {
  lf_fcall f;
  std::memset(&f, 0, sizeof f);
  f.type = static_cast<nm_u8>(type);
  f.tag = static_cast<nm_u16>(tag);
  return f;
}

lf_qid qid(int type, nm_u32 vers, nm_u64 path) {
  lf_qid q;
  q.type = static_cast<nm_u8>(type);
  q.vers = vers;
  q.path = path;
  return q;
}

// stat(5) of a file "ctl": type 0, dev 0, qid (QTFILE, 0, 1), mode 0664,
// atime = mtime = 1700000000 (0x6553f100), length 0, uid = gid = muid "glenda".
// 49 fixed bytes + "ctl" 3 + 3 x "glenda" 6 = 70 bytes; its size field is 68.
const char *kStatCtl =
    "4400 | 0000 | 00000000 | 00 00000000 0100000000000000 | b4010000 | 00f15365 | 00f15365 |"
    "0000000000000000 | 0300 'ctl' | 0600 'glenda' | 0600 'glenda' | 0600 'glenda'";

lf_dir dir_ctl() {
  lf_dir d;
  std::memset(&d, 0, sizeof d);
  d.qid = qid(LF_QTFILE, 0, 1);
  d.mode = 0664;
  d.atime = d.mtime = 1700000000u;
  d.name = "ctl";
  d.uid = d.gid = d.muid = "glenda";
  return d;
}

// Twstat's "don't touch" stat (stat(5)): every integer ~0, every string
// empty but the new name "new". 49 + 3 = 52 bytes; size field 50.
const char *kStatRename =
    "3200 | ffff | ffffffff | ff ffffffff ffffffffffffffff | ffffffff | ffffffff | ffffffff |"
    "ffffffffffffffff | 0300 'new' | 0000 | 0000 | 0000";

struct SpecCase {
  const char *name;
  const char *hex;
  std::function<void(lf_fcall &)> want;  // fills in the fields after type and tag
  int type, tag;
};

// Data the expected Twrite/Rread/stat fields point at (hand-written too).
const Bytes kHello = H("'hello'");
const Bytes kSteps = H("'steps 64'");
const Bytes kCtlStat = H(kStatCtl);
const Bytes kRenameStat = H(kStatRename);

const std::vector<SpecCase> &spec_cases() {
  static const std::vector<SpecCase> cases = {
      // version(5): size[4] Tversion tag[2] msize[4] version[s]; 19 bytes, tag NOTAG.
      {"Tversion", "13000000 64 ffff 00200000 0600 '9P2000'",
       [](lf_fcall &f) { f.msize = 8192; f.version = const_cast<char *>("9P2000"); }, LF_Tversion, LF_NOTAG},
      {"Rversion", "13000000 65 ffff 00200000 0600 '9P2000'",
       [](lf_fcall &f) { f.msize = 8192; f.version = const_cast<char *>("9P2000"); }, LF_Rversion, LF_NOTAG},
      // attach(5): Tauth tag[2] afid[4] uname[s] aname[s]; 7+4+8+2 = 21.
      {"Tauth", "15000000 66 0100 05000000 0600 'glenda' 0000",
       [](lf_fcall &f) { f.afid = 5; f.uname = const_cast<char *>("glenda"); f.aname = const_cast<char *>(""); },
       LF_Tauth, 1},
      // Rauth tag[2] aqid[13]: QTAUTH 0x08.
      {"Rauth", "14000000 67 0100 08 00000000 1100000000000000",
       [](lf_fcall &f) { f.qid = qid(0x08, 0, 0x11); }, LF_Rauth, 1},
      // Tattach tag[2] fid[4] afid[4] uname[s] aname[s]: afid NOFID; 25 bytes.
      {"Tattach", "19000000 68 0200 00000000 ffffffff 0600 'glenda' 0000",
       [](lf_fcall &f) {
         f.fid = 0;
         f.afid = LF_NOFID;
         f.uname = const_cast<char *>("glenda");
         f.aname = const_cast<char *>("");
       },
       LF_Tattach, 2},
      {"Rattach", "14000000 69 0200 80 00000000 0100000000000000",
       [](lf_fcall &f) { f.qid = qid(LF_QTDIR, 0, 1); }, LF_Rattach, 2},
      // error(5): Rerror tag[2] ename[s]; 7 + 2 + 19 = 28.
      {"Rerror", "1c000000 6b 0300 1300 'file does not exist'",
       [](lf_fcall &f) { f.ename = const_cast<char *>("file does not exist"); }, LF_Rerror, 3},
      // flush(5): Tflush tag[2] oldtag[2]; Rflush tag[2].
      {"Tflush", "09000000 6c 0400 0300", [](lf_fcall &f) { f.oldtag = 3; }, LF_Tflush, 4},
      {"Rflush", "07000000 6d 0400", [](lf_fcall &) {}, LF_Rflush, 4},
      // walk(5): Twalk tag[2] fid[4] newfid[4] nwname[2] nwname*(wname[s]); 7+10+12 = 29.
      {"Twalk", "1d000000 6e 0500 00000000 01000000 0200 0400 'pool' 0400 'list'",
       [](lf_fcall &f) {
         f.fid = 0;
         f.newfid = 1;
         f.nwname = 2;
         f.wname[0] = const_cast<char *>("pool");
         f.wname[1] = const_cast<char *>("list");
       },
       LF_Twalk, 5},
      // A walk of no names clones the fid.
      {"Twalk0", "11000000 6e 0600 00000000 02000000 0000",
       [](lf_fcall &f) { f.newfid = 2; }, LF_Twalk, 6},
      // Rwalk tag[2] nwqid[2] nwqid*(wqid[13]); 7 + 2 + 26 = 35.
      {"Rwalk", "23000000 6f 0500 0200 80 00000000 0200000000000000 00 00000000 0300000000000000",
       [](lf_fcall &f) {
         f.nwqid = 2;
         f.wqid[0] = qid(LF_QTDIR, 0, 2);
         f.wqid[1] = qid(LF_QTFILE, 0, 3);
       },
       LF_Rwalk, 5},
      // open(5): Topen tag[2] fid[4] mode[1]; Ropen tag[2] qid[13] iounit[4].
      {"Topen", "0c000000 70 0700 01000000 00", [](lf_fcall &f) { f.fid = 1; f.mode = LF_OREAD; }, LF_Topen, 7},
      {"Topen_trunc", "0c000000 70 0700 01000000 11",
       [](lf_fcall &f) { f.fid = 1; f.mode = LF_OWRITE | LF_OTRUNC; }, LF_Topen, 7},
      {"Ropen", "18000000 71 0700 00 00000000 0300000000000000 e81f0000",
       [](lf_fcall &f) { f.qid = qid(LF_QTFILE, 0, 3); f.iounit = 8168; }, LF_Ropen, 7},
      // Tcreate tag[2] fid[4] name[s] perm[4] mode[1]: perm 0644; 19 bytes.
      {"Tcreate", "13000000 72 0800 01000000 0100 'x' a4010000 02",
       [](lf_fcall &f) {
         f.fid = 1;
         f.name = const_cast<char *>("x");
         f.perm = 0644;
         f.mode = LF_ORDWR;
       },
       LF_Tcreate, 8},
      {"Rcreate", "18000000 73 0800 00 00000000 0900000000000000 00000000",
       [](lf_fcall &f) { f.qid = qid(LF_QTFILE, 0, 9); }, LF_Rcreate, 8},
      // read(5): Tread tag[2] fid[4] offset[8] count[4]; 23 bytes, offset little-endian.
      {"Tread", "17000000 74 0900 01000000 0807060504030201 00100000",
       [](lf_fcall &f) { f.fid = 1; f.offset = 0x0102030405060708ull; f.count = 4096; }, LF_Tread, 9},
      // Rread tag[2] count[4] data[count].
      {"Rread", "10000000 75 0900 05000000 'hello'",
       [](lf_fcall &f) { f.count = 5; f.data = kHello.data(); }, LF_Rread, 9},
      {"Rread0", "0b000000 75 0900 00000000", [](lf_fcall &f) { f.data = kHello.data(); }, LF_Rread, 9},
      // Twrite tag[2] fid[4] offset[8] count[4] data[count]; 7+16+8 = 31.
      {"Twrite", "1f000000 76 0a00 01000000 0000000000000000 08000000 'steps 64'",
       [](lf_fcall &f) { f.fid = 1; f.count = 8; f.data = kSteps.data(); }, LF_Twrite, 10},
      {"Rwrite", "0b000000 77 0a00 08000000", [](lf_fcall &f) { f.count = 8; }, LF_Rwrite, 10},
      // clunk(5), remove(5): T tag[2] fid[4]; R tag[2].
      {"Tclunk", "0b000000 78 0b00 01000000", [](lf_fcall &f) { f.fid = 1; }, LF_Tclunk, 11},
      {"Rclunk", "07000000 79 0b00", [](lf_fcall &) {}, LF_Rclunk, 11},
      {"Tremove", "0b000000 7a 0c00 01000000", [](lf_fcall &f) { f.fid = 1; }, LF_Tremove, 12},
      {"Rremove", "07000000 7b 0c00", [](lf_fcall &) {}, LF_Rremove, 12},
      // stat(5): Tstat tag[2] fid[4]; Rstat tag[2] stat[n]: n[2] = 70, then the
      // 70-byte stat, which starts with its own size[2] = 68; 7 + 2 + 70 = 79.
      {"Tstat", "0b000000 7c 0d00 01000000", [](lf_fcall &f) { f.fid = 1; }, LF_Tstat, 13},
      {"Rstat", nullptr, [](lf_fcall &f) { f.nstat = 70; f.stat = kCtlStat.data(); }, LF_Rstat, 13},
      // Twstat tag[2] fid[4] stat[n]: n = 52; 7 + 4 + 2 + 52 = 65.
      {"Twstat", nullptr, [](lf_fcall &f) { f.fid = 1; f.nstat = 52; f.stat = kRenameStat.data(); }, LF_Twstat,
       14},
      {"Rwstat", "07000000 7f 0e00", [](lf_fcall &) {}, LF_Rwstat, 14},
  };
  return cases;
}

Bytes spec_bytes(const SpecCase &c) {
  if (std::string(c.name) == "Rstat") return cat(H("4f000000 7d 0d00 4600"), H(kStatCtl));
  if (std::string(c.name) == "Twstat") return cat(H("41000000 7e 0e00 01000000 3400"), H(kStatRename));
  return H(c.hex);
}

lf_fcall spec_want(const SpecCase &c) {
  lf_fcall f = blank(c.type, c.tag);
  c.want(f);
  return f;
}

TEST(Fcall, SpecEncodingsDecode) {
  for (const SpecCase &c : spec_cases()) {
    SCOPED_TRACE(c.name);
    Bytes m = spec_bytes(c);
    ASSERT_EQ(lf_size_field(m.data()), m.size()) << "the hand-written size field";
    Unpacked u = unpack(m, 8192);
    ASSERT_EQ(u.rc, 0) << u.err;
    EXPECT_STREQ(u.err.c_str(), "");
    expect_fcall(u.f, spec_want(c));
    // Data and stat point into the message itself.
    if (u.f.data) {
      EXPECT_TRUE(u.f.data >= m.data() && u.f.data + u.f.count <= m.data() + m.size());
    }
    if (u.f.stat) {
      EXPECT_EQ(u.f.stat + u.f.nstat, m.data() + m.size());
    }
    // Strings live in the caller's buffer.
    for (char *s : {u.f.version, u.f.uname, u.f.aname, u.f.ename, u.f.name, u.f.wname[0], u.f.wname[1]})
      if (s) {
        EXPECT_TRUE(s >= u.strs.data() && s < u.strs.data() + u.strs.size());
      }
  }
}

TEST(Fcall, SpecEncodingsPack) {
  for (const SpecCase &c : spec_cases()) {
    SCOPED_TRACE(c.name);
    Bytes m = spec_bytes(c);
    lf_fcall f = spec_want(c);
    EXPECT_EQ(lf_packed_size(&f), m.size());
    Bytes out(m.size() + 16, 0xee);
    ASSERT_EQ(lf_pack(&f, out.data(), static_cast<nm_u32>(out.size())), m.size());
    EXPECT_EQ(Bytes(out.begin(), out.begin() + m.size()), m);
    EXPECT_EQ(out[m.size()], 0xee) << "wrote past the message";
    // Exactly the size fits; one byte less never does.
    EXPECT_EQ(lf_pack(&f, out.data(), static_cast<nm_u32>(m.size())), m.size());
    for (nm_u32 cap = 0; cap < m.size(); cap++) {
      std::fill(out.begin(), out.end(), 0xee);
      ASSERT_EQ(lf_pack(&f, out.data(), cap), 0u) << "cap " << cap;
      EXPECT_EQ(out[0], 0xee) << "wrote into a buffer that is too small";
    }
  }
}

TEST(Fcall, RoundTrip) {
  for (const SpecCase &c : spec_cases()) {
    SCOPED_TRACE(c.name);
    Bytes m = spec_bytes(c);
    Unpacked u = unpack(m);
    ASSERT_EQ(u.rc, 0) << u.err;
    Bytes out(m.size());
    ASSERT_EQ(lf_pack(&u.f, out.data(), static_cast<nm_u32>(out.size())), m.size());
    EXPECT_EQ(out, m);
  }
}

// Every proper prefix is refused: with the size field as written (the
// lengths disagree) and with the size field rewritten to the prefix's length
// (a field runs past the end).
TEST(Fcall, EveryTruncationRefused) {
  for (const SpecCase &c : spec_cases()) {
    SCOPED_TRACE(c.name);
    const Bytes m = spec_bytes(c);
    for (nm_u32 k = 0; k < m.size(); k++) {
      SCOPED_TRACE("prefix of " + std::to_string(k) + " bytes");
      Bytes p(m.begin(), m.begin() + k);
      Unpacked u = unpack_n(p, k);
      EXPECT_EQ(u.rc, -1);
      expect_one_line(u);
      if (k < 7) {
        EXPECT_EQ(u.err.rfind("short message: " + std::to_string(k) + (k == 1 ? " byte " : " bytes "), 0), 0u)
            << u.err;
        continue;
      }
      EXPECT_EQ(u.err, "size field " + std::to_string(m.size()) + " but " + std::to_string(k) + " bytes");
      set_size(p, k);
      u = unpack_n(p, k);
      EXPECT_EQ(u.rc, -1);
      expect_one_line(u);
      EXPECT_EQ(u.err.rfind(std::string("short ") + lf_type_name(c.type), 0), 0u) << u.err;
    }
  }
}

TEST(Fcall, TruncationMessagesNameTheField) {
  // Twalk cut inside its second name: the size field says 27.
  Bytes m = H("1b000000 6e 0500 00000000 01000000 0200 0400 'pool' 0400 'li'");
  expect_refused(m, "short Twalk: wname[1] needs 4 bytes at offset 25, the message has 27");
  // Twrite whose count claims more data than the message holds.
  expect_refused(H("1e000000 76 0a00 01000000 0000000000000000 08000000 'steps 6'"),
                 "short Twrite: data needs 8 bytes at offset 23, the message has 30");
  // Topen without its mode byte.
  expect_refused(H("0b000000 70 0700 01000000"), "short Topen: mode needs 1 byte at offset 11, the message has 11");
  expect_refused(H("05000000 78"), "short message: 5 bytes (at least 7: size[4] type[1] tag[2])");
}

TEST(Fcall, SizeFieldMismatch) {
  Bytes m = H("0b000000 78 0b00 01000000");
  set_size(m, 12);
  expect_refused(m, "size field 12 but 11 bytes");
  set_size(m, 10);
  expect_refused(m, "size field 10 but 11 bytes");
  set_size(m, 0xffffffffu);
  expect_refused(m, "size field 4294967295 but 11 bytes");
  // Fewer bytes than the size field says: the header's example.
  Bytes big(296, 0);
  big[4] = LF_Rread;
  set_size(big, 300);
  expect_refused(big, "size field 300 but 296 bytes");
}

TEST(Fcall, OversizedVersusMsize) {
  // A Twrite of 8200 bytes: header 23 + 8177 data bytes.
  Bytes m = H("08200000 76 0a00 01000000 0000000000000000 f11f0000");
  m.resize(8200, 'a');
  ASSERT_EQ(lf_size_field(m.data()), 8200u);
  expect_refused(m, "message of 8200 bytes exceeds msize 8192", 8192);
  EXPECT_EQ(unpack(m, 8200).rc, 0) << "exactly msize is allowed";
  Unpacked u = unpack(m, 0);
  ASSERT_EQ(u.rc, 0) << "no msize yet (before Tversion): no bound";
  EXPECT_EQ(u.f.count, 8177u);
  // The smallest message and an msize below it.
  expect_refused(H("07000000 79 0b00"), "message of 7 bytes exceeds msize 6", 6);
}

TEST(Fcall, WalkOfSeventeenNamesRefused) {
  // 17 names "a".."q": 7 + 10 + 17 * 3 = 68 bytes.
  Bytes m = H("44000000 6e 0500 00000000 01000000 1100");
  for (char c = 'a'; c <= 'q'; c++) m = cat(m, Bytes{0x01, 0x00, static_cast<nm_u8>(c)});
  ASSERT_EQ(m.size(), 68u);
  expect_refused(m, "Twalk: walk of 17 names (at most 16)");
  // Sixteen is the limit (walk(5): MAXWELEM).
  Bytes ok = H("41000000 6e 0500 00000000 01000000 1000");
  for (char c = 'a'; c <= 'p'; c++) ok = cat(ok, Bytes{0x01, 0x00, static_cast<nm_u8>(c)});
  Unpacked u = unpack(ok);
  ASSERT_EQ(u.rc, 0) << u.err;
  EXPECT_EQ(u.f.nwname, 16);
  EXPECT_STREQ(u.f.wname[15], "p");
  // A count of 65535 with nothing behind it: refused on the count, no read.
  expect_refused(H("11000000 6e 0500 00000000 01000000 ffff"), "Twalk: walk of 65535 names (at most 16)");
}

TEST(Fcall, RwalkOfSeventeenQidsRefused) {
  Bytes q = H("00 00000000 0300000000000000");
  Bytes m = H("e6000000 6f 0500 1100");
  for (int i = 0; i < 17; i++) m = cat(m, q);
  ASSERT_EQ(m.size(), 230u);
  expect_refused(m, "Rwalk: 17 qids (at most 16)");
  Bytes ok = H("d9000000 6f 0500 1000");
  for (int i = 0; i < 16; i++) ok = cat(ok, q);
  Unpacked u = unpack(ok);
  ASSERT_EQ(u.rc, 0) << u.err;
  EXPECT_EQ(u.f.nwqid, 16);
  EXPECT_EQ(u.f.wqid[15].path, 3u);
}

TEST(Fcall, TrailingBytesRefused) {
  expect_refused(H("0c000000 78 0b00 01000000 00"),
                 "trailing bytes after Tclunk: the message has 12 bytes, its last field ends at 11");
  expect_refused(H("08000000 79 0b00 00"),
                 "trailing bytes after Rclunk: the message has 8 bytes, its last field ends at 7");
  // Twrite's count says 7, 8 data bytes follow.
  expect_refused(H("1f000000 76 0a00 01000000 0000000000000000 07000000 'steps 64'"),
                 "trailing bytes after Twrite: the message has 31 bytes, its last field ends at 30");
  expect_refused(H("1d000000 6b 0300 1300 'file does not exist' 00"),
                 "trailing bytes after Rerror: the message has 29 bytes, its last field ends at 28");
  // Rstat's n says 70, then an extra byte after the stat.
  expect_refused(cat(cat(H("50000000 7d 0d00 4600"), H(kStatCtl)), H("00")),
                 "trailing bytes after Rstat: the message has 80 bytes, its last field ends at 79");
}

TEST(Fcall, NulInStringRefused) {
  // uname "gl\0nda": the NUL is at 7 + 4 + 4 + 2 + 2 = 19.
  expect_refused(H("19000000 68 0200 00000000 ffffffff 0600 'gl' 00 'nda' 0000"),
                 "Tattach: uname: string holds a NUL byte at offset 19");
  expect_refused(H("1d000000 6e 0500 00000000 01000000 0200 0400 'pool' 0400 'li' 00 't'"),
                 "Twalk: wname[1]: string holds a NUL byte at offset 27");
  expect_refused(H("0d000000 6b 0300 0400 00 'abc'"), "Rerror: ename: string holds a NUL byte at offset 9");
  // Inside Twstat's stat (the gid).
  Bytes st = H("3500 | ffff | ffffffff | ff ffffffff ffffffffffffffff | ffffffff | ffffffff | ffffffff |"
               "ffffffffffffffff | 0300 'new' | 0000 | 0300 'a' 00 'b' | 0000");
  expect_refused(cat(H("44000000 7e 0e00 01000000 3700"), st),
                 "Twstat stat: gid: string holds a NUL byte at offset 51");
}

TEST(Fcall, LongStringRefused) {
  // Rerror with an 8193-byte ename; 8192 bytes is the limit.
  auto rerror = [](nm_u32 n) {
    Bytes m = H("00000000 6b 0300");
    m.push_back(n & 0xff);
    m.push_back(n >> 8 & 0xff);
    m.resize(m.size() + n, 'e');
    set_size(m, static_cast<nm_u32>(m.size()));
    return m;
  };
  expect_refused(rerror(8193), "Rerror: ename: string of 8193 bytes (at most 8192)");
  Unpacked u = unpack(rerror(8192));
  ASSERT_EQ(u.rc, 0) << u.err;
  EXPECT_EQ(std::strlen(u.f.ename), 8192u);
  expect_refused(rerror(65535), "Rerror: ename: string of 65535 bytes (at most 8192)");
}

TEST(Fcall, StringsBuffer) {
  // 16 one-byte names need 16 * 2 = 32 bytes of strings.
  Bytes m = H("41000000 6e 0500 00000000 01000000 1000");
  for (char c = 'a'; c <= 'p'; c++) m = cat(m, Bytes{0x01, 0x00, static_cast<nm_u8>(c)});
  Unpacked u = unpack_n(m, 65, 0, 32);
  ASSERT_EQ(u.rc, 0) << u.err;
  EXPECT_STREQ(u.f.wname[0], "a");
  EXPECT_EQ(u.f.wname[15], u.strs.data() + 30);
  EXPECT_EQ(u.strs[31], '\0');
  u = unpack_n(m, 65, 0, 31);
  EXPECT_EQ(u.rc, -1);
  EXPECT_EQ(u.err, "Twalk: wname[15]: no room in the strings buffer (31 bytes)");
  u = unpack_n(m, 65, 0, 0);
  EXPECT_EQ(u.err, "Twalk: wname[0]: no room in the strings buffer (0 bytes)");
}

TEST(Fcall, UnknownAndInvalidTypes) {
  expect_refused(H("07000000 63 0000"), "unknown message type 99");
  expect_refused(H("07000000 80 0000"), "unknown message type 128");
  expect_refused(H("07000000 00 0000"), "unknown message type 0");
  expect_refused(H("07000000 ff 0000"), "unknown message type 255");
  // There is no Terror (intro(5)): refused whatever follows.
  expect_refused(H("07000000 6a 0000"), "Terror is not a message: errors are only replies (Rerror)");
  expect_refused(H("09000000 6a 0000 0000"), "Terror is not a message: errors are only replies (Rerror)");
  lf_fcall f = blank(LF_Terror, 0);
  EXPECT_EQ(lf_packed_size(&f), 0u);
  nm_u8 buf[64];
  EXPECT_EQ(lf_pack(&f, buf, sizeof buf), 0u);
  f.type = 99;
  EXPECT_EQ(lf_packed_size(&f), 0u);
  EXPECT_EQ(lf_pack(&f, buf, sizeof buf), 0u);
}

TEST(Fcall, StatDecodesAndPacks) {
  Bytes st = H(kStatCtl);
  ASSERT_EQ(st.size(), 70u);
  lf_dir want = dir_ctl();
  EXPECT_EQ(lf_dir_size(&want), 70u);
  Bytes out(80, 0xee);
  ASSERT_EQ(lf_pack_dir(&want, out.data(), 80), 70u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 70), st);
  EXPECT_EQ(out[70], 0xee);
  for (nm_u32 cap = 0; cap < 70; cap++) EXPECT_EQ(lf_pack_dir(&want, out.data(), cap), 0u);

  lf_dir d;
  char strs[70];
  char err[128];
  ASSERT_EQ(lf_unpack_dir(st.data(), 70, &d, strs, sizeof strs, err, sizeof err), 0) << err;
  EXPECT_EQ(d.type, 0);
  EXPECT_EQ(d.dev, 0u);
  expect_qid(d.qid, want.qid, "qid");
  EXPECT_EQ(d.mode, 0664u);
  EXPECT_EQ(d.atime, 1700000000u);
  EXPECT_EQ(d.mtime, 1700000000u);
  EXPECT_EQ(d.length, 0u);
  EXPECT_STREQ(d.name, "ctl");
  EXPECT_STREQ(d.uid, "glenda");
  EXPECT_STREQ(d.gid, "glenda");
  EXPECT_STREQ(d.muid, "glenda");
  // Its strings need 4 + 3 * 7 = 25 bytes.
  EXPECT_EQ(lf_unpack_dir(st.data(), 70, &d, strs, 25, err, sizeof err), 0) << err;
  EXPECT_EQ(lf_unpack_dir(st.data(), 70, &d, strs, 24, err, sizeof err), -1);
  EXPECT_STREQ(err, "stat: muid: no room in the strings buffer (24 bytes)");

  // Twstat's "don't touch" stat.
  Bytes rn = H(kStatRename);
  ASSERT_EQ(lf_unpack_dir(rn.data(), static_cast<nm_u32>(rn.size()), &d, strs, sizeof strs, err, sizeof err), 0)
      << err;
  EXPECT_EQ(d.type, 0xffff);
  EXPECT_EQ(d.dev, 0xffffffffu);
  EXPECT_EQ(d.qid.type, 0xff);
  EXPECT_EQ(d.qid.vers, 0xffffffffu);
  EXPECT_EQ(d.qid.path, ~0ull);
  EXPECT_EQ(d.mode, 0xffffffffu);
  EXPECT_EQ(d.length, ~0ull);
  EXPECT_STREQ(d.name, "new");
  EXPECT_STREQ(d.uid, "");
  EXPECT_STREQ(d.gid, "");
  EXPECT_STREQ(d.muid, "");
  out.assign(52, 0);
  ASSERT_EQ(lf_pack_dir(&d, out.data(), 52), 52u);
  EXPECT_EQ(out, rn);

  // Nil strings pack as empty ones.
  lf_dir e;
  std::memset(&e, 0, sizeof e);
  EXPECT_EQ(lf_dir_size(&e), 49u);
  out.assign(49, 0xee);
  ASSERT_EQ(lf_pack_dir(&e, out.data(), 49), 49u);
  EXPECT_EQ(out, Bytes(H("2f00 0000 00000000 00 00000000 0000000000000000 00000000 00000000 00000000 "
                         "0000000000000000 0000 0000 0000 0000")));
}

std::string unpack_dir_err(const Bytes &st) {
  lf_dir d;
  char strs[256];
  char err[160];
  std::memset(err, 'x', sizeof err);
  err[sizeof err - 1] = 0;
  if (lf_unpack_dir(st.data(), static_cast<nm_u32>(st.size()), &d, strs, sizeof strs, err, sizeof err) == 0)
    return "accepted";
  EXPECT_EQ(d.name, nullptr) << "a refused stat leaves no strings behind";
  return err;
}

TEST(Fcall, BadStatSizeFields) {
  Bytes st = H(kStatCtl);
  // The stat's own size field one more, one less, zero.
  Bytes b = st;
  b[0] = 0x45;
  EXPECT_EQ(unpack_dir_err(b), "stat: size field 69 but 68 bytes follow it");
  b[0] = 0x43;
  EXPECT_EQ(unpack_dir_err(b), "stat: size field 67 but 68 bytes follow it");
  b[0] = 0;
  EXPECT_EQ(unpack_dir_err(b), "stat: size field 0 but 68 bytes follow it");
  // Shorter than its size field: every prefix is refused.
  for (size_t k = 0; k < st.size(); k++) {
    SCOPED_TRACE(k);
    std::string e = unpack_dir_err(Bytes(st.begin(), st.begin() + k));
    EXPECT_NE(e, "accepted");
    EXPECT_EQ(e.find('\n'), std::string::npos);
  }
  EXPECT_EQ(unpack_dir_err(Bytes(st.begin(), st.begin() + 1)), "short stat: size needs 2 bytes at offset 0, the stat has 1");
  // A size field that matches a stat whose strings end early.
  b = cat(st, H("00"));
  b[0] = 0x45;
  EXPECT_EQ(unpack_dir_err(b), "trailing bytes after stat: the stat has 71 bytes, its last field ends at 70");
  // A name length that runs into the next field: uid's count becomes "g\0"... and runs off.
  b = st;
  b[41] = 0x04;
  EXPECT_EQ(unpack_dir_err(b), "short stat: uid needs 26368 bytes at offset 49, the stat has 70");
  // Too small for the fixed fields even though the sizes agree.
  EXPECT_EQ(unpack_dir_err(H("0200 0000")), "short stat: dev needs 4 bytes at offset 4, the stat has 4");

  // Inside Rstat: stat[n]'s n and the stat's size field must agree.
  Bytes m = cat(H("4f000000 7d 0d00 4600"), st);
  m[9] = 0x45;  // stat size 69
  expect_refused(m, "Rstat stat: size field 69 but 68 bytes follow it");
  m = cat(H("4f000000 7d 0d00 4700"), st);  // n = 71
  expect_refused(m, "short Rstat: stat needs 71 bytes at offset 9, the message has 79");
  m = cat(H("4f000000 7d 0d00 4500"), st);  // n = 69: the stat's size says 68
  expect_refused(m, "Rstat stat: size field 68 but 67 bytes follow it");
  expect_refused(H("0a000000 7d 0d00 0100 44"), "short Rstat stat: size needs 2 bytes at offset 0, the stat has 1");
  expect_refused(H("09000000 7d 0d00 0000"), "short Rstat stat: size needs 2 bytes at offset 0, the stat has 0");
  // Twstat likewise.
  m = cat(H("41000000 7e 0e00 01000000 3400"), H(kStatRename));
  m[13] = 0x33;
  expect_refused(m, "Twstat stat: size field 51 but 50 bytes follow it");
}

TEST(Fcall, OddOffsetsAndAddresses) {
  // read(5) offsets are any 64-bit value: odd ones, the top bit, all ones.
  for (nm_u64 off : {1ull, 3ull, 0x7fffffffull, 0x100000001ull, 0x8000000000000001ull, ~0ull}) {
    Bytes m = H("17000000 74 0900 01000000 0000000000000000 01000000");
    for (int i = 0; i < 8; i++) m[11 + i] = static_cast<nm_u8>(off >> (8 * i));
    Unpacked u = unpack(m);
    ASSERT_EQ(u.rc, 0) << u.err;
    EXPECT_EQ(u.f.offset, off);
    Bytes out(23);
    ASSERT_EQ(lf_pack(&u.f, out.data(), 23), 23u);
    EXPECT_EQ(out, m);
  }
  // Messages at every alignment: decoded and encoded in place, byte by byte.
  for (const SpecCase &c : spec_cases()) {
    SCOPED_TRACE(c.name);
    const Bytes m = spec_bytes(c);
    for (size_t shift = 1; shift < 8; shift++) {
      Bytes buf(m.size() + shift);
      std::copy(m.begin(), m.end(), buf.begin() + shift);
      lf_fcall f;
      std::vector<char> strs(m.size() + 1);
      char err[160];
      ASSERT_EQ(lf_unpack(buf.data() + shift, static_cast<nm_u32>(m.size()), 0, &f, strs.data() + 1,
                          static_cast<int>(m.size()), err, sizeof err),
                0)
          << err;
      expect_fcall(f, spec_want(c));
      Bytes out(m.size() + shift);
      ASSERT_EQ(lf_pack(&f, out.data() + shift, static_cast<nm_u32>(m.size())), m.size());
      EXPECT_EQ(Bytes(out.begin() + shift, out.end()), m);
    }
  }
}

TEST(Fcall, PackRefusesWhatCannotBeEncoded) {
  nm_u8 buf[128];
  lf_fcall f = blank(LF_Twalk, 1);
  f.nwname = 17;
  for (int i = 0; i < 16; i++) f.wname[i] = const_cast<char *>("a");
  EXPECT_EQ(lf_packed_size(&f), 0u);
  EXPECT_EQ(lf_pack(&f, buf, sizeof buf), 0u);
  f.nwname = -1;
  EXPECT_EQ(lf_packed_size(&f), 0u);
  f = blank(LF_Rwalk, 1);
  f.nwqid = 17;
  EXPECT_EQ(lf_packed_size(&f), 0u);
  // A string field holds at most 65535 bytes.
  std::string big(65536, 'e');
  f = blank(LF_Rerror, 1);
  f.ename = big.data();
  EXPECT_EQ(lf_packed_size(&f), 0u);
  big.resize(65535);
  EXPECT_EQ(lf_packed_size(&f), 7u + 2 + 65535);
  // Nil strings are empty ones.
  f.ename = nullptr;
  EXPECT_EQ(lf_packed_size(&f), 9u);
  ASSERT_EQ(lf_pack(&f, buf, sizeof buf), 9u);
  EXPECT_EQ(Bytes(buf, buf + 9), H("09000000 6b 0100 0000"));
  // Data and stat without their bytes.
  f = blank(LF_Rread, 1);
  f.count = 5;
  EXPECT_EQ(lf_packed_size(&f), 0u);
  f = blank(LF_Rstat, 1);
  f.nstat = 3;
  EXPECT_EQ(lf_packed_size(&f), 0u);
  // A message larger than a size field can say.
  f = blank(LF_Rread, 1);
  f.count = 0xfffffff8u;
  f.data = buf;
  EXPECT_EQ(lf_packed_size(&f), 0u);
  // A stat longer than its 16-bit size field.
  lf_dir d = dir_ctl();
  std::string name(65535 - 49 - 18 + 2 + 1, 'n');
  d.name = name.c_str();
  EXPECT_EQ(lf_dir_size(&d), 0u);
  name.pop_back();
  EXPECT_EQ(lf_dir_size(&d), 65537u);
}

TEST(Fcall, TypeNamesAndSizeField) {
  EXPECT_STREQ(lf_type_name(LF_Tversion), "Tversion");
  EXPECT_STREQ(lf_type_name(LF_Rwalk), "Rwalk");
  EXPECT_STREQ(lf_type_name(LF_Terror), "Terror");
  EXPECT_STREQ(lf_type_name(LF_Rerror), "Rerror");
  EXPECT_STREQ(lf_type_name(LF_Twstat), "Twstat");
  EXPECT_STREQ(lf_type_name(LF_Rwstat), "Rwstat");
  EXPECT_STREQ(lf_type_name(99), "unknown");
  EXPECT_STREQ(lf_type_name(128), "unknown");
  EXPECT_STREQ(lf_type_name(-1), "unknown");
  for (const SpecCase &c : spec_cases()) {
    std::string n = c.name;
    EXPECT_EQ(n.rfind(lf_type_name(c.type), 0), 0u) << n;
  }
  EXPECT_EQ(lf_size_field(H("13000000").data()), 19u);
  EXPECT_EQ(lf_size_field(H("04030201").data()), 0x01020304u);
  EXPECT_EQ(lf_size_field(H("ffffffff").data()), 0xffffffffu);
}

TEST(Fcall, ErrorBufferBounds) {
  // A small err buffer is filled and terminated, never overrun.
  Bytes m = H("0c000000 78 0b00 01000000 00");
  lf_fcall f;
  char strs[16];
  char err[12];
  std::memset(err, 'x', sizeof err);
  EXPECT_EQ(lf_unpack(m.data(), 12, 0, &f, strs, sizeof strs, err, 8), -1);
  EXPECT_STREQ(err, "trailin");
  EXPECT_EQ(err[8], 'x');
  // No err buffer at all.
  EXPECT_EQ(lf_unpack(m.data(), 12, 0, &f, strs, sizeof strs, nullptr, 0), -1);
}

// A server answers a message it cannot decode with an Rerror to its tag.
TEST(Fcall, FailureKeepsTypeAndTag) {
  for (const char *hex : {"0c000000 78 2a01 01000000 00",   // trailing byte
                          "0c000000 78 2a01 01000000",      // size field 12, 11 bytes
                          "0a000000 78 2a01 010000",        // fid cut short
                          "44000000 6e 2a01 00000000 01000000 1100"}) {
    SCOPED_TRACE(hex);
    Unpacked u = unpack(H(hex));
    ASSERT_EQ(u.rc, -1);
    EXPECT_EQ(u.f.tag, 0x012a);
    EXPECT_EQ(u.f.type, H(hex)[4]);
  }
  Unpacked u = unpack(H("07000000 63 2a01"));
  EXPECT_EQ(u.f.tag, 0x012a);
  EXPECT_EQ(u.f.type, 99);
}

}  // namespace
