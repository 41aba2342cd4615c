/* SPDX-License-Identifier: ISC */
/* Quotas on a user's root (the users file's quota-bytes= and
 * quota-files=), and the usage file that keeps them cheap.
 *
 * The usage (the regular files beneath the root and their sizes) lives in
 * USAGE_NAME at the top of the user's root (usage.h), shared by every
 * session of the user. It is read before each upload and updated after
 * each change that alters it (a complete upload, a DELE, an RNTO over a
 * file), always under an exclusive flock() on the root directory and
 * always replaced whole (a new file renamed over the old one), so a
 * reader sees the old or the new count, never a part. The tree is walked
 * only when the file is missing, unparsable, untrustworthy (not a regular
 * file of ours, writable by others, linked twice) or stale (its walk is
 * older than USAGE_RESCAN_SECONDS), and the walk's result is written.
 *
 * Where the file cannot be used (a root the session may not write, a
 * filesystem without flock), the session counts by itself instead: it
 * walks at its first upload, adds what it stores, and walks again after a
 * DELE, RMD or RNTO. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* How deep and how wide the walk goes: past these, the tree is counted
 * as full (fail closed), and the log says so. Each level holds one open
 * directory, so the depth stays well below the session's RLIMIT_NOFILE
 * (64): a subtree the walk could not open would otherwise go uncounted. */
#define QUOTA_MAX_DEPTH 32
#define QUOTA_MAX_ENTRIES 1000000

/* How long a session waits for another one's hold on the usage file (a
 * walk of a large tree holds it while it runs). */
#define QUOTA_LOCK_WAIT_MS 10000

struct quota {
	uint64_t max_bytes, max_files;   /* 0: no quota */
	uint64_t bytes, files;           /* usage, when counted */
	bool counted;                    /* bytes and files are current */
	bool session_only;               /* the usage file cannot be used */
	/* A DELE or RNTO about to remove a regular file (policy_before). */
	bool removing;
	uint64_t removing_bytes;
};

/* A change to the usage: bytes added and removed, files made and gone. */
struct quota_change {
	uint64_t added, removed;
	bool new_file, file_gone;
};

/* Where quota_sync failed. */
enum quota_stage {
	QUOTA_STAGE_NONE,
	QUOTA_STAGE_LOCK,    /* the root could not be opened or locked */
	QUOTA_STAGE_COUNT,   /* the walk failed: the tree counts as full */
	QUOTA_STAGE_STORE,   /* the usage file could not be written */
};

struct quota_sync_result {
	enum quota_stage failed;   /* with quota_sync's -errno */
	const char *walked;        /* why the tree was walked, or NULL */
};

/* Counts the regular files beneath root_fd (an O_PATH or open directory)
 * and their sizes, leaving out the usage file at its top; symbolic links
 * are not followed. 0, -E2BIG when the tree passes the limits above,
 * -errno. */
int quota_count(int root_fd, uint64_t *ret_bytes, uint64_t *ret_files);

/* Brings q's usage up to date from the usage file beneath root_fd, then
 * applies change (NULL: none), and writes the file back when it changed.
 * A missing, unparsable, untrustworthy or stale file makes it walk the
 * tree instead; the walk already sees a change made on disk, so change is
 * then not applied again. now is the wall clock (seconds since the
 * epoch). Holds the lock for the whole of it. 0 (q->counted), or -errno
 * with res->failed saying where: -ETIMEDOUT when another session held the
 * lock past QUOTA_LOCK_WAIT_MS. */
int quota_sync(int root_fd, struct quota *q, const struct quota_change *change, int64_t now,
	       struct quota_sync_result *res);

/* Removes the usage file, so that the next sync walks the tree: for a
 * change that could not be recorded. 0 or -errno. */
int quota_forget(int root_fd);

/* Whether q limits anything. */
bool quota_active(const struct quota *q);

/* Room for one upload, given the bytes of the file it replaces (0 for
 * none) and whether it makes a new file: the most bytes it may write, or
 * -EFBIG when the files quota is full. Needs q->counted. */
int64_t quota_room(const struct quota *q, uint64_t replaced, bool new_file);

/* Applies a change to q's own count. */
void quota_apply(struct quota *q, const struct quota_change *change);
