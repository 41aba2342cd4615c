/* SPDX-License-Identifier: ISC */
/* RETR, STOR, STOU, APPE. STOR writes a hidden temporary file beside the
 * target and renames it over the target only after a complete transfer,
 * so a broken upload never damages the old file. APPE and STOR after
 * REST write in place: that is what they ask for. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"
#include "dispatch.h"
#include "fs.h"
#include "log.h"
#include "owner.h"
#include "path.h"
#include "policy.h"
#include "reply.h"
#include "util.h"
#include "xfer.h"
#include "banned.h"

static void record(struct session *s, const struct xfer *x, const char *vpath, char direction)
{
	struct transfer_record t = {
		.path = vpath,
		.bytes = x->bytes,
		.direction = direction,
		.ascii = s->ascii,
		.complete = x->status == XFER_DONE,
		.anonymous = s->anonymous,
		.tls = s->prot_private,
		.kernel_tls = x->kernel_tls,
		.duration_us = now_us() - x->started_us,
	};

	log_transfer(&t);
}

static const char *type_name(const struct session *s)
{
	return s->ascii ? "ASCII" : "BINARY";
}

void cmd_retr(struct session *s, const struct command *c)
{
	char target[VPATH_MAX];
	struct channel data;
	struct xfer x;
	struct stat st;
	uint64_t rest = s->rest;
	int fd, r;

	s->rest = 0;
	/* As for uploads: without a data connection prepared, nothing else
	 * is looked at (the same 425 for RETR and STOR). */
	if (!xfer_ready(s))
		return;
	r = path_resolve(s->cwd, c->arg, target, sizeof(target));
	fd = r < 0 ? r : fs_open(s->root_fd, target, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		reply_errno(s, fd, c->arg);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		reply(s, 550, "%s: not a regular file", c->arg);
		close(fd);
		return;
	}
	if (rest > (uint64_t)st.st_size) {
		reply(s, 554, "REST offset %llu is beyond the end of %s", (unsigned long long)rest, c->arg);
		close(fd);
		return;
	}
	reply(s, 150, "Opening %s mode data connection for %s (%lld bytes)", type_name(s), c->arg,
	      (long long)st.st_size);
	r = data_open(s, &data);
	if (r < 0) {
		reply_data_errno(s, r);
		close(fd);
		return;
	}
	xfer_init(&x, s, &data);
	xfer_set_rate(&x, policy_rate(s, true));
	xfer_send_file(&x, fd, (off_t)rest, s->ascii);
	close(fd);
	xfer_finish(&x, c->arg);
	record(s, &x, target, 'o');
}

enum upload_kind { UPLOAD_STOR, UPLOAD_APPE, UPLOAD_STOU };

/* Where an upload goes: a fresh temporary (atomic STOR), the file itself
 * (APPE, REST), or a new unique file (STOU). A refused or failed command
 * leaves the directory as it was: the temporary has no name (O_TMPFILE)
 * or a hidden one and goes, a file APPE or STOU created is removed again,
 * and REST+STOR cuts the file only once data flows. */
struct upload {
	int fd;                /* what the data is written to */
	bool atomic;           /* fd is temp.fd, committed over the target at the end */
	struct fs_temp temp;
	bool replaces;         /* the target exists: old holds its metadata */
	struct stat old;
	const char *base;      /* the target's last component */
	char vpath[VPATH_MAX];
	bool created;          /* the file is new (APPE, STOU): remove it on failure */
	bool truncate;         /* REST+STOR: cut the file at the offset once data flows */
	bool no_replace;       /* upload-only: a new name or nothing, even in a race */
	uint64_t old_size;     /* of the file it writes into or replaces; 0 for a new one */
	bool existed;          /* the target was there before */
};

/* APPE and REST+STOR write into the file itself. */
static int open_in_place(struct session *s, struct upload *u, bool append, uint64_t rest)
{
	struct stat st;
	int flags = O_WRONLY | O_NOCTTY | O_NONBLOCK | (append ? O_APPEND : 0);

	u->fd = fs_open(s->root_fd, u->vpath, flags, 0);
	if (u->fd == -ENOENT) {
		u->fd = fs_open(s->root_fd, u->vpath, flags | O_CREAT | O_EXCL, 0666);
		u->created = u->fd >= 0;
	}
	if (u->fd < 0)
		return u->fd;
	if (fstat(u->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EISDIR;
	u->old_size = (uint64_t)st.st_size;
	u->existed = !u->created;
	/* A restart past the end would leave a hole of zeros (RFC 3659 §5.3). */
	if (!append && rest > (uint64_t)st.st_size)
		return -ERANGE;
	u->truncate = !append;
	return 0;
}

/* A STOR that replaces a file needs the right to write that file, not
 * only its directory: a read-only file stays as it is (550). Opening it
 * for writing, without O_TRUNC, asks the kernel, ACLs and read-only
 * mounts included, and changes nothing. */
static int check_writable(struct session *s, const struct upload *u)
{
	int fd = fs_open(s->root_fd, u->vpath, O_WRONLY | O_NONBLOCK | O_NOCTTY, 0);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int open_atomic(struct session *s, struct upload *u)
{
	int r = fs_stat(s->root_fd, u->vpath, &u->old);

	if (r == 0 && !S_ISREG(u->old.st_mode))
		return -EISDIR;
	if (r == 0 && u->no_replace)
		return -EEXIST;
	u->old_size = r == 0 ? (uint64_t)u->old.st_size : 0;
	u->existed = r == 0;
	if (r < 0 && r != -ENOENT)
		return r;
	u->replaces = r == 0;
	if (u->replaces && (r = check_writable(s, u)) < 0)
		return r;
	r = fs_temp_create(s->root_fd, u->vpath, &u->temp);
	if (r < 0)
		return r;
	u->atomic = true;
	u->fd = u->temp.fd;
	u->base = strrchr(u->vpath, '/') + 1;
	return 0;
}

static int open_upload(struct session *s, struct upload *u, const char *arg,
		       enum upload_kind kind, uint64_t rest)
{
	char wanted[VPATH_MAX];
	int r = path_resolve(s->cwd, arg, u->vpath, sizeof(u->vpath));

	if (r < 0)
		return r;
	if (strcmp(u->vpath, "/") == 0)
		return -EISDIR;
	if (kind == UPLOAD_STOU) {
		copy_string(wanted, sizeof(wanted), u->vpath);
		u->fd = fs_create_unique(s->root_fd, wanted, u->vpath, sizeof(u->vpath));
		u->created = u->fd >= 0;
		return u->fd < 0 ? u->fd : 0;
	}
	if (kind == UPLOAD_APPE || rest > 0)
		return open_in_place(s, u, kind == UPLOAD_APPE, rest);
	return open_atomic(s, u);
}

/* The new file takes the old one's permission bits, and its owner and
 * group where the session may give them (root may; a user may keep a group
 * it belongs to). What the kernel refuses stays the session user's: never
 * an error. Set-user-ID, set-group-ID and sticky bits are never passed on:
 * new content must not inherit a privilege the old file had. */
static int keep_metadata(const struct upload *u)
{
	if (!u->replaces)
		return 0;
	if (fchown(u->temp.fd, u->old.st_uid, u->old.st_gid) < 0 &&
	    fchown(u->temp.fd, (uid_t)-1, u->old.st_gid) < 0) {
		/* Neither owner nor group could be given: both stay the user's. */
	}
	return fchmod(u->temp.fd, u->old.st_mode & FS_PERM_MASK) < 0 ? -errno : 0;
}

/* Data written in place is on the disk before 226, and an error the
 * filesystem reports only at fsync or close is the transfer's. */
static int close_in_place(struct upload *u, bool complete)
{
	int r = 0;

	if (u->fd < 0)
		return 0;
	if (complete && fsync(u->fd) < 0)
		r = -errno;
	if (close(u->fd) < 0 && complete && r == 0)
		r = -errno;
	u->fd = -1;
	return r;
}

/* FTPSD_ANONYMOUS_UPLOAD_OWNER: the owner helper takes the temporary
 * while it has no name (so it can be no existing file), and gives it to
 * the owner once it has its name: given earlier, the session could no
 * longer link it (fs.protected_hardlinks) nor, in a sticky directory,
 * rename it. When either step fails nothing of the upload stays: 451. */
static int commit_for_owner(struct session *s, struct upload *u)
{
	int r = owner_hold(u->temp.fd);

	if (r < 0) {
		log_msg(LOG_ERR, "upload %s not kept: %s", u->vpath,
			r == -EPERM ? "the owner helper refused the temporary file: it has a name "
				      "(FTPSD_ANONYMOUS_UPLOAD_OWNER needs O_TMPFILE in that directory)"
				    : "the owner helper cannot be reached");
		fs_temp_discard(&u->temp);
		return -EIO;
	}
	r = fs_temp_commit(&u->temp, u->base, u->no_replace);
	if (r < 0)
		return r;
	r = owner_give();
	if (r < 0) {
		log_msg(LOG_ERR, "upload %s removed: it could not be given to %s: %s", u->vpath,
			s->cfg->anonymous_upload_owner, strerror(-r));
		fs_unlink(s->root_fd, u->vpath);
		return -EIO;
	}
	return 0;
}

/* After the transfer: the temporary takes the target's place, or goes;
 * a file this command created goes too when the upload failed. Returns
 * 0 or the -errno that makes a complete transfer fail after all. */
static int finish_upload(struct session *s, struct upload *u, bool complete)
{
	int r;

	if (u->atomic) {
		u->fd = -1;
		r = complete ? keep_metadata(u) : 0;
		if (!complete || r < 0) {
			fs_temp_discard(&u->temp);
			return r;
		}
		if (s->anonymous && s->cfg->anonymous_upload_owner)
			return commit_for_owner(s, u);
		return fs_temp_commit(&u->temp, u->base, u->no_replace);
	}
	r = close_in_place(u, complete);
	if (u->created && (!complete || r < 0))
		fs_unlink(s->root_fd, u->vpath);
	return r;
}

/* The data connection's bytes into the upload's file, from rest on. */
static void receive_upload(struct xfer *x, const struct upload *u, enum upload_kind kind, uint64_t rest)
{
	if (u->truncate && (ftruncate(u->fd, (off_t)rest) < 0 || lseek(u->fd, (off_t)rest, SEEK_SET) < 0)) {
		x->status = XFER_LOCAL_ERROR;
		x->err = errno;
	} else {
		xfer_recv_file(x, u->fd, x->s->ascii);
	}
	/* Past the quota, an APPE to a file goes back to its old size. */
	if (x->status == XFER_LOCAL_ERROR && x->err == EFBIG && kind == UPLOAD_APPE && !u->created &&
	    ftruncate(u->fd, (off_t)u->old_size) < 0)
		log_msg(LOG_ERR, "cannot cut %s back to %llu bytes: %s", u->vpath,
			(unsigned long long)u->old_size, strerror(errno));
}

static void upload(struct session *s, const char *arg, enum upload_kind kind)
{
	struct upload u = { .fd = -1, .temp = { .fd = -1, .dir_fd = -1 },
			  .no_replace = s->opts.upload_only || s->anonymous };
	struct channel data;
	struct xfer x;
	uint64_t rest = s->rest, replaced;
	int64_t room = 0;
	bool new_file;
	int r;

	s->rest = 0;
	if (!xfer_ready(s))
		return;
	r = policy_upload_count(s);
	if (r == 0)
		r = open_upload(s, &u, arg, kind, rest);
	/* The quota: what the upload replaces is freed, what it adds counts. */
	new_file = !u.existed;
	replaced = kind == UPLOAD_APPE ? 0 : u.old_size > rest ? u.old_size - rest : 0;
	if (r == 0 && (room = policy_upload_room(s, replaced, new_file)) < 0)
		r = (int)room;
	if (r < 0) {
		if (r == -ERANGE)
			reply(s, 554, "REST offset %llu is beyond the end of %s", (unsigned long long)rest, arg);
		else
			reply_errno(s, r, arg);
		finish_upload(s, &u, false);
		return;
	}
	if (kind == UPLOAD_STOU)
		reply(s, 150, "FILE: %s", strrchr(u.vpath, '/') + 1);
	else
		reply(s, 150, "Opening %s mode data connection for %s", type_name(s), arg);
	r = data_open(s, &data);
	if (r < 0) {
		reply_data_errno(s, r);
		finish_upload(s, &u, false);
		return;
	}
	xfer_init(&x, s, &data);
	xfer_set_rate(&x, policy_rate(s, false));
	x.max_write = room;
	receive_upload(&x, &u, kind, rest);
	r = finish_upload(s, &u, x.status == XFER_DONE);
	if (r == 0 && x.status == XFER_DONE)
		policy_upload_done(s, x.written, replaced, new_file);
	if (r < 0) {
		x.status = XFER_LOCAL_ERROR;
		x.err = -r;
	}
	xfer_finish(&x, arg);
	record(s, &x, u.vpath, 'i');
}

void cmd_stor(struct session *s, const struct command *c)
{
	upload(s, c->arg, UPLOAD_STOR);
}

void cmd_appe(struct session *s, const struct command *c)
{
	upload(s, c->arg, UPLOAD_APPE);
}

void cmd_stou(struct session *s, const struct command *c)
{
	upload(s, c->has_arg ? c->arg : "upload", UPLOAD_STOU);
}
