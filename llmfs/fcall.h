/*
 * fcall.h: 9P2000 messages (intro(5)): decoding with every length checked
 * against the message and msize, encoding into a caller's buffer. Portable C
 * in the 6c subset (docs/PLAN9_SUBSET.md); no allocation.
 */
#ifndef NINEML_LLMFS_FCALL_H
#define NINEML_LLMFS_FCALL_H

#include "port/port.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	LF_Tversion = 100, LF_Rversion, LF_Tauth = 102, LF_Rauth, LF_Tattach = 104, LF_Rattach,
	LF_Terror = 106, LF_Rerror, LF_Tflush = 108, LF_Rflush, LF_Twalk = 110, LF_Rwalk,
	LF_Topen = 112, LF_Ropen, LF_Tcreate = 114, LF_Rcreate, LF_Tread = 116, LF_Rread,
	LF_Twrite = 118, LF_Rwrite, LF_Tclunk = 120, LF_Rclunk, LF_Tremove = 122, LF_Rremove,
	LF_Tstat = 124, LF_Rstat, LF_Twstat = 126, LF_Rwstat
};

enum {
	LF_NOTAG = 0xFFFF,
	LF_MAXWELEM = 16,
	LF_IOHDRSZ = 24,        /* Twrite/Rread header: size[4] type[1] tag[2] fid[4] offset[8] count[4] */
	LF_MINMSIZE = 256,      /* smallest msize a Tversion may settle on here */
	LF_MAXSTRING = 8192     /* longest string field decoded (names, uname, ename) */
};
#define LF_NOFID 0xFFFFFFFFU

/* qid.type and the high bits of dir.mode */
enum { LF_QTDIR = 0x80, LF_QTFILE = 0x00 };
#define LF_DMDIR 0x80000000U

/* open modes (Topen.mode) */
enum { LF_OREAD = 0, LF_OWRITE = 1, LF_ORDWR = 2, LF_OEXEC = 3, LF_OTRUNC = 0x10, LF_ORCLOSE = 0x40 };

typedef struct {
	nm_u8 type;
	nm_u32 vers;
	nm_u64 path;
} lf_qid;

/*
 * One message. Strings are NUL-terminated copies in the caller's strings
 * buffer (lf_unpack); data (Twrite, Rread) and stat (Rstat, Twstat) point
 * into the message itself.
 */
typedef struct {
	nm_u8 type;
	nm_u16 tag;
	nm_u32 fid;
	nm_u32 msize;        /* Tversion, Rversion */
	char *version;       /* Tversion, Rversion */
	nm_u32 afid;         /* Tauth, Tattach */
	char *uname, *aname; /* Tauth, Tattach */
	lf_qid qid;          /* Rauth, Rattach, Ropen, Rcreate */
	nm_u32 iounit;       /* Ropen, Rcreate */
	char *ename;         /* Rerror */
	nm_u16 oldtag;       /* Tflush */
	nm_u32 newfid;       /* Twalk */
	int nwname;          /* Twalk: 0..LF_MAXWELEM */
	char *wname[LF_MAXWELEM];
	int nwqid;           /* Rwalk */
	lf_qid wqid[LF_MAXWELEM];
	nm_u8 mode;          /* Topen, Tcreate */
	char *name;          /* Tcreate */
	nm_u32 perm;         /* Tcreate */
	nm_u64 offset;       /* Tread, Twrite */
	nm_u32 count;        /* Tread, Twrite, Rread, Rwrite */
	const nm_u8 *data;   /* Twrite, Rread: count bytes */
	nm_u16 nstat;        /* Rstat, Twstat */
	const nm_u8 *stat;   /* Rstat, Twstat: nstat bytes, a packed lf_dir */
} lf_fcall;

/* A directory entry (stat(5)). */
typedef struct {
	nm_u16 type;
	nm_u32 dev;
	lf_qid qid;
	nm_u32 mode;
	nm_u32 atime, mtime;
	nm_u64 length;
	const char *name, *uid, *gid, *muid;
} lf_dir;

/*
 * Decodes the whole message msg[0..len) (size[4] included; len must equal
 * the size field) into f, copying its strings into strs (cap bytes; len
 * bytes always suffice). msize bounds len (0: no bound yet, before Tversion).
 * Every byte is checked: no field is read past len, and the message must end
 * exactly at its last field; strings hold no NUL byte and at most
 * LF_MAXSTRING bytes; Twalk has at most 16 names, Rwalk 16 qids; the stat of
 * Rstat and Twstat is checked whole (its size[2] must be its n[2] - 2).
 * Returns 0, or -1 with a one-line reason in err, e.g.
 *	short message: 5 bytes (at least 7: size[4] type[1] tag[2])
 *	size field 300 but 296 bytes
 *	message of 9000 bytes exceeds msize 8192
 *	unknown message type 99
 *	Terror is not a message: errors are only replies (Rerror)
 *	short Twalk: wname[1] needs 4 bytes at offset 25, the message has 27
 *	Twalk: walk of 17 names (at most 16)
 *	Tattach: uname: string holds a NUL byte at offset 19
 *	Rerror: ename: string of 8193 bytes (at most 8192)
 *	trailing bytes after Tclunk: the message has 12 bytes, its last field ends at 11
 *	Twstat stat: size field 51 but 50 bytes follow it
 * On failure f.type and f.tag hold the header's values when len >= 7 (for
 * an Rerror to the right tag); the other fields are unspecified.
 */
int lf_unpack(const nm_u8 *msg, nm_u32 len, nm_u32 msize, lf_fcall *f, char *strs, int cap,
              char *err, int errlen);

/* Size of the message f encodes to (size field included); 0 when f.type is
 * not a message type. */
nm_u32 lf_packed_size(const lf_fcall *f);

/* Encodes f into buf (cap bytes): the length, or 0 when it does not fit or
 * f cannot be encoded (unknown type, Terror, more than 16 names or qids, a
 * string over 65535 bytes, data or stat nil with a count). Nil strings are
 * encoded as empty ones. */
nm_u32 lf_pack(const lf_fcall *f, nm_u8 *buf, nm_u32 cap);

/* Reads the size field of a message's first 4 bytes. */
nm_u32 lf_size_field(const nm_u8 *four);

/* stat(5) encoding of d, size[2] included: its length, or 0 when it does not
 * fit in cap. lf_dir_size gives the length without writing. */
nm_u32 lf_dir_size(const lf_dir *d);
nm_u32 lf_pack_dir(const lf_dir *d, nm_u8 *buf, nm_u32 cap);
/* Decodes one packed stat (Twstat's f.stat, f.nstat) into d, its strings
 * copied into strs (cap bytes; len bytes suffice); it must fill buf exactly.
 * 0, or -1 with the reason in err ("stat: size field 69 but 68 bytes follow
 * it", "short stat: uid needs 6 bytes at offset 48, the stat has 50"). */
int lf_unpack_dir(const nm_u8 *buf, nm_u32 len, lf_dir *d, char *strs, int cap, char *err,
                  int errlen);

/* The message type's name ("Twalk"), or "unknown". */
const char *lf_type_name(int type);

#ifdef __cplusplus
}
#endif

#endif
