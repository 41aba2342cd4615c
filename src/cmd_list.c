/* SPDX-License-Identifier: ISC */
/* LIST, NLST, MLSD over the data connection; MLST and STAT over the
 * control connection. Listings are streamed one directory entry at a
 * time: memory does not grow with the directory. Patterns are matched by
 * wildcard_match(), never glob(), and only in the last component. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data.h"
#include "dispatch.h"
#include "fs.h"
#include "list_args.h"
#include "listing.h"
#include "log.h"
#include "path.h"
#include "policy.h"
#include "reply.h"
#include "usage.h"
#include "util.h"
#include "xfer.h"
#include "banned.h"

/* One open directory of a listing. With -R a directory is read twice:
 * first its entries are listed, then its subdirectories are entered one
 * at a time, so memory is bounded by the depth, not the tree. */
struct frame {
	DIR *dir;
	char vpath[VPATH_MAX];  /* the directory */
	char rel[VPATH_MAX];    /* the same, relative to the listed one ("" at the top) */
	bool descending;        /* entries listed; now entering subdirectories */
};

/* The state of one streamed listing. */
struct lister {
	struct session *s;
	const struct list_request *req;
	struct frame frames[LIST_MAX_DEPTH + 1];
	int depth;              /* index of the open frame, -1 when done */
	unsigned long entries;
	bool single_done;       /* the one line of a file or -d listing */
	struct stat single;
	const char *single_name;
	time_t now;
};

static bool visible(const struct lister *l, const char *name)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	if (name[0] == '.' && !l->req->all && l->req->format != FORMAT_MLSD)
		return false;
	if (strcmp(name, USAGE_NAME) == 0)
		return false;   /* the quota's usage file is ftpsd's, never listed */
	/* The pattern names entries of the listed directory, not below it. */
	if (l->depth == 0 && l->req->pattern[0] && !wildcard_match(l->req->pattern, name))
		return false;
	return listing_name_ok(name);
}

/* One entry's line. Symlinks are described as links; for MLSD their
 * target is looked up beneath the root, never outside it. */
static int format_entry(struct lister *l, const char *name, const struct stat *lst, char *buf,
			size_t size)
{
	struct session *s = l->s;
	const struct frame *f = l->depth >= 0 ? &l->frames[l->depth] : NULL;
	struct stat st = *lst;
	char target[VPATH_MAX];
	const char *owner, *group;

	switch (l->req->format) {
	case FORMAT_NLST:
		if (f && f->rel[0]) {   /* -R: names relative to the listed directory */
			char rel[VPATH_MAX];

			if (snprintf(rel, sizeof(rel), "%s/%s", f->rel, name) >= (int)sizeof(rel))
				return -ENAMETOOLONG;
			return listing_format_nlst(buf, size, rel);
		}
		return listing_format_nlst(buf, size, name);
	case FORMAT_MLSD:
		if (S_ISLNK(lst->st_mode) && f) {
			char vpath[VPATH_MAX];

			if (snprintf(vpath, sizeof(vpath), "%s/%s", f->vpath, name) <
				    (int)sizeof(vpath) &&
			    fs_stat(s->root_fd, vpath, &st) < 0)
				st = *lst;
		}
		return listing_format_mlsx(buf, size, name, &st, s->mlst_facts, s->may_write, true);
	case FORMAT_LIST:
		break;
	}
	policy_list_owner(s, lst, &owner, &group);
	if (S_ISLNK(lst->st_mode) && f) {
		ssize_t n = readlinkat(dirfd(f->dir), name, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			if (!listing_name_ok(target))
				copy_string(target, sizeof(target), "?");
			return listing_format_list_owned(buf, size, name, lst, target, l->now, owner, group);
		}
	}
	return listing_format_list_owned(buf, size, name, lst, NULL, l->now, owner, group);
}

/* Opens directory vpath as frame depth, named rel in the listing. */
static int push_frame(struct lister *l, const char *vpath, const char *rel)
{
	struct frame *f = &l->frames[l->depth + 1];
	int fd = fs_open_dir(l->s->root_fd, vpath);

	if (fd < 0)
		return fd;
	f->dir = fdopendir(fd);
	if (!f->dir) {
		int err = -errno;

		close(fd);
		return err;
	}
	copy_string(f->vpath, sizeof(f->vpath), vpath);
	copy_string(f->rel, sizeof(f->rel), rel);
	f->descending = false;
	l->depth++;
	return 0;
}

static void pop_frame(struct lister *l)
{
	closedir(l->frames[l->depth].dir);
	l->frames[l->depth].dir = NULL;
	l->depth--;
}

/* -R: enters subdirectory name of the open frame; LIST gets the "path:"
 * header ls -R prints. Symlinks are never followed, and depth is bounded,
 * so the walk cannot loop. Returns the header's length in buf. */
static int enter_subdirectory(struct lister *l, const char *name, char *buf, size_t size)
{
	const struct frame *f = &l->frames[l->depth];
	char vpath[VPATH_MAX], rel[VPATH_MAX];

	if (l->depth >= LIST_MAX_DEPTH ||
	    snprintf(vpath, sizeof(vpath), "%s/%s", f->vpath, name) >= (int)sizeof(vpath) ||
	    snprintf(rel, sizeof(rel), "%s%s%s", f->rel, f->rel[0] ? "/" : "", name) >= (int)sizeof(rel) ||
	    push_frame(l, vpath, rel) < 0)
		return 0;
	if (l->req->format != FORMAT_LIST)
		return 0;
	return snprintf(buf, size, "\r\n./%s:\r\n", rel) < (int)size ? (int)strlen(buf) : 0;
}

static ssize_t fill_listing(void *ctx, char *buf, size_t size)
{
	struct lister *l = ctx;
	size_t n = 0;

	/* A drop box (upload-only) shows nothing of what is there. */
	if (l->s->opts.upload_only)
		return 0;
	if (l->single_name) {
		int r;

		if (l->single_done)
			return 0;
		l->single_done = true;
		r = format_entry(l, l->single_name, &l->single, buf, size);
		return r < 0 ? 0 : r;
	}
	while (l->depth >= 0 && size - n > LISTING_LINE_MAX + VPATH_MAX) {
		struct frame *f = &l->frames[l->depth];
		struct dirent *de = readdir(f->dir);
		struct stat st;
		int r;

		if (!de) {
			if (l->req->recursive && !f->descending) {
				f->descending = true;   /* second pass: the subdirectories */
				rewinddir(f->dir);
			} else {
				pop_frame(l);
			}
			continue;
		}
		if (!visible(l, de->d_name) ||
		    fstatat(dirfd(f->dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;   /* hidden, or removed meanwhile */
		if (f->descending) {
			if (S_ISDIR(st.st_mode))
				n += (size_t)enter_subdirectory(l, de->d_name, buf + n, size - n);
			continue;
		}
		if (l->req->recursive && ++l->entries > LIST_MAX_ENTRIES) {
			log_msg(LOG_NOTICE, "LIST -R of %s stopped after %d entries", l->req->vpath,
				LIST_MAX_ENTRIES);
			while (l->depth >= 0)
				pop_frame(l);
			break;
		}
		r = format_entry(l, de->d_name, &st, buf + n, size - n);
		if (r > 0)
			n += (size_t)r;
	}
	return (ssize_t)n;
}

/* Opens what req names: a directory to stream, or one entry. */
static int open_listing(struct session *s, const struct list_request *req, struct lister *l)
{
	const char *base;
	int r;

	memset(l, 0, sizeof(*l));
	l->s = s;
	l->req = req;
	l->depth = -1;
	l->now = time(NULL);
	r = fs_stat(s->root_fd, req->vpath, &l->single);
	if (r < 0)
		return r;
	if (!S_ISDIR(l->single.st_mode) || (req->dir_itself && !req->pattern[0])) {
		if (req->format == FORMAT_MLSD)
			return -ENOTDIR;   /* RFC 3659 §7.1: MLSD lists directories */
		base = strrchr(req->vpath, '/') + 1;
		l->single_name = *base ? base : ".";
		return 0;
	}
	return push_frame(l, req->vpath, "");
}

static void close_listing(struct lister *l)
{
	while (l->depth >= 0)
		pop_frame(l);
}

static int build_request(struct session *s, const struct command *c, enum list_format format,
			 struct list_request *req)
{
	return list_request_parse(s->cwd, c->arg, strlen(c->arg), format, req);
}

/* Parses the command and opens what it names; on failure replies and
 * returns false. */
static bool start_listing(struct session *s, const struct command *c, enum list_format format,
			  struct list_request *req, struct lister *l)
{
	int r = build_request(s, c, format, req);

	if (r == -EINVAL) {
		reply(s, 501, "Unsupported option in %s", c->arg);
		return false;
	}
	if (r == 0)
		r = open_listing(s, req, l);
	if (r < 0) {
		reply_errno(s, r, c->has_arg ? c->arg : ".");
		return false;
	}
	return true;
}

static void list_over_data(struct session *s, const struct command *c, enum list_format format)
{
	struct list_request req;
	struct lister l;
	struct channel data;
	struct xfer x;
	int r;

	if (!start_listing(s, c, format, &req, &l))
		return;
	if (!xfer_ready(s)) {
		close_listing(&l);
		return;
	}
	reply(s, 150, "Opening ASCII mode data connection for the listing");
	r = data_open(s, &data);
	if (r < 0) {
		reply_data_errno(s, r);
		close_listing(&l);
		return;
	}
	xfer_init(&x, s, &data);
	xfer_send_generated(&x, fill_listing, &l);
	close_listing(&l);
	xfer_finish(&x, "listing");
}

void cmd_list(struct session *s, const struct command *c)
{
	list_over_data(s, c, FORMAT_LIST);
}

void cmd_nlst(struct session *s, const struct command *c)
{
	list_over_data(s, c, FORMAT_NLST);
}

void cmd_mlsd(struct session *s, const struct command *c)
{
	list_over_data(s, c, FORMAT_MLSD);
}

void cmd_mlst(struct session *s, const struct command *c)
{
	char target[VPATH_MAX], line[LISTING_LINE_MAX + VPATH_MAX];
	struct stat st;
	int r = path_resolve(s->cwd, c->has_arg ? c->arg : ".", target, sizeof(target));

	if (r == 0)
		r = fs_stat(s->root_fd, target, &st);
	if (r < 0) {
		reply_errno(s, r, c->has_arg ? c->arg : ".");
		return;
	}
	/* RFC 3659 §7.2.2: the fact line starts with one space and names the
	 * object by its full path. */
	if (listing_format_mlsx(line, sizeof(line), target, &st, s->mlst_facts, s->may_write,
				false) < 0) {
		reply(s, 550, "Name too long");
		return;
	}
	reply_begin(s, 250, "Listing %s", target);
	reply_more(s, "%s", line[0] == ' ' ? line + 1 : line);
	reply(s, 250, "End");
}

/* STAT path: the LIST lines over the control connection (RFC 959). */
static void stat_path(struct session *s, const struct command *c)
{
	struct list_request req;
	struct lister l;
	char buf[LISTING_LINE_MAX * 4];
	ssize_t n;

	if (!start_listing(s, c, FORMAT_LIST, &req, &l))
		return;
	reply_begin(s, 213, "Status of %s:", req.vpath);
	while (!control_broken(&s->ctrl) && (n = fill_listing(&l, buf, sizeof(buf))) > 0) {
		char *line = buf, *end = buf + n;

		while (line < end) {
			char *eol = memchr(line, '\r', (size_t)(end - line));

			if (!eol)
				break;
			reply_more(s, "%.*s", (int)(eol - line), line);
			line = eol + 2;
		}
	}
	close_listing(&l);
	reply(s, 213, "End of status");
}

void cmd_stat(struct session *s, const struct command *c)
{
	if (s->transfer) {
		xfer_reply_status(s->transfer);
		return;
	}
	if (c->has_arg) {
		stat_path(s, c);
		return;
	}
	reply_begin(s, 211, "ftpsd %s status", PACKAGE_VERSION);
	reply_more(s, "Connected to %s", s->peer_str);
	if (s->login == LOGIN_DONE)
		reply_more(s, "Logged in as %s%s", s->user, s->anonymous ? " (anonymous)" : "");
	else
		reply_more(s, "Not logged in");
	reply_more(s, "TYPE: %s, STRU: F, MODE: S", s->ascii ? "ASCII" : "BINARY");
	if (s->tls_info.active)
		reply_more(s, "Control connection: %s, %s; data: %s", s->tls_info.version,
			   s->tls_info.cipher, s->prot_private ? "private" : "clear");
	else
		reply_more(s, "Control connection: plaintext");
	reply_more(s, "%s", s->data_mode == DATA_PASSIVE ? "Passive data connection prepared"
			   : s->data_mode == DATA_ACTIVE ? "Active data connection prepared"
							 : "No data connection");
	reply(s, 211, "End of status");
}
