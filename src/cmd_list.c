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
#include "listing.h"
#include "log.h"
#include "path.h"
#include "reply.h"
#include "util.h"
#include "xfer.h"
#include "banned.h"

enum list_format { FORMAT_LIST, FORMAT_NLST, FORMAT_MLSD };

struct list_request {
	enum list_format format;
	bool all;              /* -a: names starting with '.' too */
	bool dir_itself;       /* -d: the directory, not its contents */
	char vpath[VPATH_MAX]; /* what to list */
	char pattern[256];     /* "" or a wildcard for the last component */
};

/* The state of one streamed listing. */
struct lister {
	struct session *s;
	const struct list_request *req;
	DIR *dir;
	int dir_fd;
	bool single_done;      /* the one line of a file or -d listing */
	struct stat single;
	const char *single_name;
	time_t now;
};

/* Options are a whitelist of ls letters; those that change the output
 * are honoured, the rest accepted. Returns the argument after them, or
 * NULL for an unknown option. */
static const char *parse_options(const char *arg, struct list_request *req)
{
	while (arg[0] == '-' && arg[1] != '\0' && arg[1] != ' ') {
		const char *p = arg + 1;

		for (; *p && *p != ' '; p++) {
			if (*p == 'a' || *p == 'A')
				req->all = true;
			else if (*p == 'd')
				req->dir_itself = true;
			else if (!strchr("lR1FhLT", *p))
				return NULL;
		}
		arg = *p ? p + 1 : p;
	}
	return arg;
}

/* Splits off a wildcard last component into req->pattern; wildcards
 * in earlier components are taken literally. */
static int split_pattern(struct session *s, const char *arg, struct list_request *req)
{
	char joined[VPATH_MAX];
	char *slash;
	int r = path_resolve(s->cwd, *arg ? arg : ".", joined, sizeof(joined));

	if (r < 0)
		return r;
	slash = strrchr(joined, '/');
	if (!has_wildcard(slash + 1))
		return copy_string(req->vpath, sizeof(req->vpath), joined);
	if (copy_string(req->pattern, sizeof(req->pattern), slash + 1) < 0)
		return -ENAMETOOLONG;
	*slash = '\0';
	return copy_string(req->vpath, sizeof(req->vpath), joined[0] ? joined : "/");
}

static bool visible(const struct lister *l, const char *name)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	if (name[0] == '.' && !l->req->all && l->req->format != FORMAT_MLSD)
		return false;
	if (l->req->pattern[0] && !wildcard_match(l->req->pattern, name))
		return false;
	return listing_name_ok(name);
}

/* One entry's line. Symlinks are described as links; for MLSD their
 * target is looked up beneath the root, never outside it. */
static int format_entry(struct lister *l, const char *name, const struct stat *lst, char *buf,
			size_t size)
{
	struct session *s = l->s;
	struct stat st = *lst;
	char target[VPATH_MAX];

	switch (l->req->format) {
	case FORMAT_NLST:
		return listing_format_nlst(buf, size, name);
	case FORMAT_MLSD:
		if (S_ISLNK(lst->st_mode)) {
			char vpath[VPATH_MAX];

			if (snprintf(vpath, sizeof(vpath), "%s/%s", l->req->vpath, name) <
				    (int)sizeof(vpath) &&
			    fs_stat(s->root_fd, vpath, &st) < 0)
				st = *lst;
		}
		return listing_format_mlsx(buf, size, name, &st, s->mlst_facts, NULL, s->may_write, true);
	case FORMAT_LIST:
		break;
	}
	if (S_ISLNK(lst->st_mode) && l->dir_fd >= 0) {
		ssize_t n = readlinkat(l->dir_fd, name, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			if (!listing_name_ok(target))
				copy_string(target, sizeof(target), "?");
			return listing_format_list(buf, size, name, lst, target, l->now);
		}
	}
	return listing_format_list(buf, size, name, lst, NULL, l->now);
}

static ssize_t fill_listing(void *ctx, char *buf, size_t size)
{
	struct lister *l = ctx;
	size_t n = 0;

	if (l->single_name) {
		int r;

		if (l->single_done)
			return 0;
		l->single_done = true;
		r = format_entry(l, l->single_name, &l->single, buf, size);
		return r < 0 ? 0 : r;
	}
	while (size - n > LISTING_LINE_MAX) {
		struct dirent *de;
		struct stat st;
		int r;

		errno = 0;
		de = readdir(l->dir);
		if (!de)
			break;
		if (!visible(l, de->d_name))
			continue;
		if (fstatat(l->dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;   /* removed meanwhile */
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
	int fd, r;

	memset(l, 0, sizeof(*l));
	l->s = s;
	l->req = req;
	l->dir_fd = -1;
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
	fd = fs_open_dir(s->root_fd, req->vpath);
	if (fd < 0)
		return fd;
	l->dir = fdopendir(fd);
	if (!l->dir) {
		r = -errno;
		close(fd);
		return r;
	}
	l->dir_fd = dirfd(l->dir);
	return 0;
}

static void close_listing(struct lister *l)
{
	if (l->dir)
		closedir(l->dir);
	l->dir = NULL;
}

static int build_request(struct session *s, const struct command *c, enum list_format format,
			 struct list_request *req)
{
	const char *arg = c->arg;

	memset(req, 0, sizeof(*req));
	req->format = format;
	if (format != FORMAT_MLSD) {
		arg = parse_options(arg, req);
		if (!arg)
			return -EINVAL;
	}
	return split_pattern(s, arg, req);
}

static void list_over_data(struct session *s, const struct command *c, enum list_format format)
{
	struct list_request req;
	struct lister l;
	struct channel data;
	struct xfer x;
	int r = build_request(s, c, format, &req);

	if (r == -EINVAL) {
		reply(s, 501, "Unsupported option in %s", c->arg);
		return;
	}
	if (r == 0)
		r = open_listing(s, &req, &l);
	if (r < 0) {
		reply_errno(s, r, c->has_arg ? c->arg : ".");
		return;
	}
	if (!xfer_ready(s)) {
		close_listing(&l);
		return;
	}
	reply(s, 150, "Opening ASCII mode data connection for the listing");
	if (data_open(s, &data) < 0) {
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
	if (listing_format_mlsx(line, sizeof(line), target, &st, s->mlst_facts, NULL, s->may_write,
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
	int r = build_request(s, c, FORMAT_LIST, &req);

	if (r == -EINVAL) {
		reply(s, 501, "Unsupported option in %s", c->arg);
		return;
	}
	if (r == 0)
		r = open_listing(s, &req, &l);
	if (r < 0) {
		reply_errno(s, r, c->arg);
		return;
	}
	reply_begin(s, 213, "Status of %s:", req.vpath);
	while ((n = fill_listing(&l, buf, sizeof(buf))) > 0) {
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
