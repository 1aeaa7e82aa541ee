/* tree.h: the files of llmfs's tree (tree.c). */
#ifndef NINEML_LLMFS_TREE_H
#define NINEML_LLMFS_TREE_H

#include "internal.h"

enum {
	LF_F_ROOT = 1, LF_F_CTL, LF_F_MODEL, LF_F_CLONE, LF_F_POOL,
	LF_F_PCOUNT, LF_F_PMEMORY, LF_F_PLIST, LF_F_PLIMIT,
	/* per session; every file from LF_F_SDIR on belongs to one */
	LF_F_SDIR, LF_F_SCTL, LF_F_SMODEL, LF_F_SPROMPT, LF_F_SOUTPUT, LF_F_SSTREAM, LF_F_SSTATUS,
	LF_F_SIDS
};

#define LF_PATH(session, file) (((nm_u64)(session) << 8) | (nm_u64)(file))
#define LF_FILE(path) ((int)((path) & 0xFF))
#define LF_SESSION(path) ((int)((path) >> 8))

typedef struct {
	int file, parent;
	const char *name;   /* nil: the session's number */
	nm_u32 mode;
} lf_file;

const lf_file *lf_file_of(int file);
lf_qid lf_qid_of(nm_u64 path);
int lf_is_dir(nm_u64 path);
/* One walk step from a directory: 0 and *to, or -1 when there is no such name. */
int lf_walk1(lf_server *s, nm_u64 from, const char *name, nm_u64 *to);
/* The directory entry of path; a session directory's name goes in namebuf. */
void lf_stat_of(lf_server *s, nm_u64 path, lf_dir *d, char *namebuf, int cap);
int lf_dir_child(lf_server *s, nm_u64 dir, nm_u64 k, nm_u64 *path);
/* The text of a small file (ctl, model, pool/..., N/ctl, N/model, N/status). */
/* "session N is closed" */
void lf_err_closed(char *err, int errlen, int id);
int lf_small_text(lf_server *s, nm_u64 path, nm_text *t, char *err, int errlen);

#endif
