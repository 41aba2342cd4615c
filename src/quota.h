/* SPDX-License-Identifier: ISC */
/* Quotas on a user's root (the users file's quota-bytes= and
 * quota-files=). The usage is counted by walking the user's tree once,
 * at the first upload of a session, and then kept by the session: each
 * upload adds what it stored, less what it replaced. A DELE, RMD or RNTO
 * marks the count stale, and the next upload counts again. Nothing is
 * written into the user's tree, so a user cannot forge the count. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* How deep and how wide the walk goes: past these, the tree is counted
 * as full (fail closed), and the log says so. Each level holds one open
 * directory, so the depth stays well below the session's RLIMIT_NOFILE
 * (64): a subtree the walk could not open would otherwise go uncounted. */
#define QUOTA_MAX_DEPTH 32
#define QUOTA_MAX_ENTRIES 1000000

struct quota {
	uint64_t max_bytes, max_files;   /* 0: no quota */
	uint64_t bytes, files;           /* usage, when counted */
	bool counted;
};

/* Counts the regular files beneath root_fd (an O_PATH or open directory)
 * and their sizes; symbolic links are not followed. 0, -E2BIG when the
 * tree passes the limits above, -errno. */
int quota_count(int root_fd, uint64_t *ret_bytes, uint64_t *ret_files);

/* Whether q limits anything. */
bool quota_active(const struct quota *q);

/* Room for one upload, given the bytes of the file it replaces (0 for
 * none) and whether it makes a new file: the most bytes it may write, or
 * -EFBIG when the files quota is full. Needs q->counted. */
int64_t quota_room(const struct quota *q, uint64_t replaced, bool new_file);

/* After a complete upload. */
void quota_add(struct quota *q, uint64_t written, uint64_t replaced, bool new_file);
