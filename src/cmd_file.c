/* SPDX-License-Identifier: ISC */
/* SIZE, MDTM, DELE, RMD, MKD, RNFR, RNTO: one file at a time. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "fs.h"
#include "log.h"
#include "path.h"
#include "reply.h"
#include "util.h"
#include "banned.h"

/* Resolves the argument; on failure replies and returns false. */
static bool resolve(struct session *s, const char *arg, char *out, size_t size)
{
	int r = path_resolve(s->cwd, arg, out, size);

	if (r < 0) {
		reply_errno(s, r, arg);
		return false;
	}
	return true;
}

/* The stat of the regular file arg names; on failure replies and
 * returns false (SIZE and MDTM speak of files only, RFC 3659). */
static bool stat_regular(struct session *s, const char *arg, struct stat *st)
{
	char target[VPATH_MAX];
	int r;

	if (!resolve(s, arg, target, sizeof(target)))
		return false;
	r = fs_stat(s->root_fd, target, st);
	if (r < 0) {
		reply_errno(s, r, arg);
		return false;
	}
	if (!S_ISREG(st->st_mode)) {
		reply(s, 550, "%s: not a regular file", arg);
		return false;
	}
	return true;
}

/* RFC 3659 §4: SIZE counts the bytes a RETR in the current TYPE sends.
 * In ASCII that needs a pass over the file; like most servers we answer
 * only in binary and say so. */
void cmd_size(struct session *s, const struct command *c)
{
	struct stat st;

	if (!stat_regular(s, c->arg, &st))
		return;
	if (s->ascii) {
		reply(s, 550, "SIZE is not supported in ASCII mode; use TYPE I");
		return;
	}
	reply(s, 213, "%lld", (long long)st.st_size);
}

void cmd_mdtm(struct session *s, const struct command *c)
{
	char when[TIME_VAL_SIZE];
	struct stat st;

	if (!stat_regular(s, c->arg, &st))
		return;
	format_time_val(when, st.st_mtim.tv_sec);
	reply(s, 213, "%s", when);
}

/* MFMT YYYYMMDDHHMMSS path (draft-somers-ftp-mfxx): sets a file's
 * modification time, as clients that keep times in sync (rclone) want. */
void cmd_mfmt(struct session *s, const struct command *c)
{
	const char *sp = memchr(c->arg, ' ', c->arg_len);
	char target[VPATH_MAX], when[TIME_VAL_SIZE];
	struct timespec times[2];
	struct stat st;
	long long t;
	const char *base;
	int dir, r;

	if (!sp || parse_time_val(c->arg, (size_t)(sp - c->arg), &t) < 0 || sp[1] == '\0') {
		reply(s, 501, "MFMT needs YYYYMMDDHHMMSS and a path");
		return;
	}
	if (!resolve(s, sp + 1, target, sizeof(target)))
		return;
	dir = fs_open_parent(s->root_fd, target, &base);
	if (dir < 0) {
		reply_errno(s, dir, sp + 1);
		return;
	}
	/* The file itself, not what a symlink of that name points at. */
	r = fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	if (r < 0 || !S_ISREG(st.st_mode)) {
		close(dir);
		if (r < 0)
			reply_errno(s, r, sp + 1);
		else
			reply(s, 550, "%s: not a regular file", sp + 1);
		return;
	}
	times[0].tv_sec = 0;
	times[0].tv_nsec = UTIME_OMIT;
	times[1].tv_sec = (time_t)t;
	times[1].tv_nsec = 0;
	r = utimensat(dir, base, times, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(dir);
	if (r < 0) {
		reply_errno(s, r, sp + 1);
		return;
	}
	format_time_val(when, t);
	reply(s, 213, "Modify=%s; %s", when, sp + 1);
}

/* Runs a one-path mutation and replies 250 or the error. */
static void mutate(struct session *s, const char *arg, int (*op)(int, const char *),
		   const char *done)
{
	char target[VPATH_MAX];
	int r;

	if (!resolve(s, arg, target, sizeof(target)))
		return;
	r = op(s->root_fd, target);
	if (r < 0) {
		reply_errno(s, r, arg);
		return;
	}
	reply(s, 250, "%s", done);
}

void cmd_dele(struct session *s, const struct command *c)
{
	mutate(s, c->arg, fs_unlink, "File deleted");
}

void cmd_rmd(struct session *s, const struct command *c)
{
	mutate(s, c->arg, fs_rmdir, "Directory removed");
}

void cmd_mkd(struct session *s, const struct command *c)
{
	char target[VPATH_MAX], quoted[VPATH_MAX * 2];
	int r;

	if (!resolve(s, c->arg, target, sizeof(target)))
		return;
	r = fs_mkdir(s->root_fd, target);
	if (r < 0) {
		reply_errno(s, r, c->arg);
		return;
	}
	if (path_quote(target, quoted, sizeof(quoted)) < 0)
		quoted[0] = '\0';
	reply(s, 257, "\"%s\" created", quoted);
}

void cmd_rnfr(struct session *s, const struct command *c)
{
	char target[VPATH_MAX];
	struct stat st;
	int r;

	if (!resolve(s, c->arg, target, sizeof(target)))
		return;
	if (target[1] == '\0') {
		reply(s, 550, "Cannot rename the root");
		return;
	}
	r = fs_stat(s->root_fd, target, &st);
	if (r < 0) {
		reply_errno(s, r, c->arg);
		return;
	}
	copy_string(s->rnfr, sizeof(s->rnfr), target);
	s->has_rnfr = true;
	reply(s, 350, "Ready for RNTO");
}

void cmd_rnto(struct session *s, const struct command *c)
{
	char target[VPATH_MAX];
	int r;

	if (!s->has_rnfr) {
		reply(s, 503, "RNFR first");
		return;
	}
	s->has_rnfr = false;
	if (!resolve(s, c->arg, target, sizeof(target)))
		return;
	r = fs_rename(s->root_fd, s->rnfr, target);
	if (r < 0) {
		reply_errno(s, r, c->arg);
		return;
	}
	reply(s, 250, "Renamed");
}
