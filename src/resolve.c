/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"
#include "banned.h"

static bool walk_active;

int resolve_probe_openat2(void)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0)
		return errno ? -errno : -ENOSYS;
	close((int)fd);
	return 0;
}

void resolve_set_walk(bool on)
{
	walk_active = on;
}

bool resolve_walk_active(void)
{
	return walk_active;
}

struct dir_id {
	dev_t dev;
	ino_t ino;
};

/* One walk: where it is, how it got there, and what is left to resolve. */
struct walk {
	int root;               /* the root; never closed here */
	int cur;                /* the current directory: root or our own fd */
	size_t depth;           /* directories below the root */
	struct dir_id *ids;     /* ids[d - 1]: the directory at depth d */
	size_t ids_cap;
	char *path;             /* what is left, at path + pos */
	size_t path_cap;
	unsigned links;         /* symbolic links followed so far */
};

static int openat_retry(int dir, const char *name, int flags, mode_t mode)
{
	int fd;

	do
		fd = openat(dir, name, flags | O_CLOEXEC, mode);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

static void set_cur(struct walk *w, int fd)
{
	if (w->cur != w->root)
		close(w->cur);
	w->cur = fd;
}

/* Makes the directory fd (with identity st) the current one, one deeper. */
static int step_down(struct walk *w, int fd, const struct stat *st)
{
	if (w->depth >= RESOLVE_MAX_DEPTH) {
		close(fd);
		return -ENAMETOOLONG;
	}
	if (w->depth == w->ids_cap) {
		size_t cap = w->ids_cap ? w->ids_cap * 2 : 32;
		struct dir_id *ids = realloc(w->ids, cap * sizeof(*ids));

		if (!ids) {
			close(fd);
			return -ENOMEM;
		}
		w->ids = ids;
		w->ids_cap = cap;
	}
	w->ids[w->depth].dev = st->st_dev;
	w->ids[w->depth].ino = st->st_ino;
	w->depth++;
	set_cur(w, fd);
	return 0;
}

/* "..": never above the root, and only back to where the walk came from. */
static int step_up(struct walk *w)
{
	struct stat st;
	const struct dir_id *want;
	int fd;

	if (w->depth <= 1) {
		set_cur(w, w->root);
		w->depth = 0;
		return 0;
	}
	fd = openat_retry(w->cur, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	want = &w->ids[w->depth - 2];
	if (fstat(fd, &st) < 0 || st.st_dev != want->dev || st.st_ino != want->ino) {
		/* The directory we stand in was moved: its parent is no longer
		 * the one we came through, and may be outside the root. */
		close(fd);
		return -EAGAIN;
	}
	w->depth--;
	set_cur(w, fd);
	return 0;
}

/* Replaces the path still to resolve: the link's target, then what
 * followed the link (rest, which starts with '/' or is empty). An
 * absolute target starts again at the root. */
static int splice_link(struct walk *w, const char *target, size_t tlen, size_t rest)
{
	size_t rlen = strlen(w->path + rest);
	size_t need = tlen + rlen + 1;

	if (++w->links > RESOLVE_MAX_LINKS)
		return -ELOOP;
	if (tlen == 0)
		return -ENOENT;   /* as the kernel does for an empty link */
	if (need > w->path_cap) {
		char *p = realloc(w->path, need);

		if (!p)
			return -ENOMEM;
		w->path = p;
		w->path_cap = need;
	}
	memmove(w->path + tlen, w->path + rest, rlen + 1);
	memcpy(w->path, target, tlen);
	if (target[0] == '/') {
		set_cur(w, w->root);
		w->depth = 0;
	}
	return 0;
}

/* Reads the link name in dir (or the O_PATH link fd itself, name "")
 * and splices it in. */
static int follow(struct walk *w, int dir, const char *name, size_t rest)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dir, name, target, sizeof(target));

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	return splice_link(w, target, (size_t)n, rest);
}

/* A component that must be a directory: something follows it. 0 when
 * the walk stepped into it, 1 when it was a link spliced in, or -errno. */
static int walk_through(struct walk *w, const char *name, size_t rest)
{
	struct stat st;
	int fd = openat_retry(w->cur, name, O_PATH | O_NOFOLLOW, 0);
	int r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (S_ISDIR(st.st_mode))
		return step_down(w, fd, &st);
	r = S_ISLNK(st.st_mode) ? follow(w, fd, "", rest) : -ENOTDIR;
	close(fd);
	return r < 0 ? r : 1;
}

/* The last component: opened with the caller's flags, never following a
 * link in the kernel. A descriptor, or -errno; when it was a link, the
 * link is spliced in, *ret_link set and the walk goes on. */
static int open_last(struct walk *w, const char *name, size_t rest, int flags, mode_t mode,
		     bool *ret_link)
{
	struct stat st;
	int fd, r;

	*ret_link = false;
	if (flags & O_NOFOLLOW)
		return openat_retry(w->cur, name, flags, mode);
	fd = openat_retry(w->cur, name, flags | O_NOFOLLOW, mode);
	if (fd >= 0) {
		/* Only O_PATH opens a link itself; anything else is no link. */
		if (!(flags & O_PATH) || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode))
			return fd;
		r = follow(w, fd, "", rest);
		close(fd);
		*ret_link = r == 0;
		return r;
	}
	/* A link refused by O_NOFOLLOW: ELOOP, or ENOTDIR with O_DIRECTORY. */
	if (fd != -ELOOP && fd != -ENOTDIR)
		return fd;
	r = follow(w, w->cur, name, rest);
	if (r == -EINVAL)   /* not a link: the open's own error stands */
		return fd;
	*ret_link = r == 0;
	return r;
}

/* Resolves w->path component by component; the last one is opened. */
static int walk(struct walk *w, int flags, mode_t mode)
{
	size_t pos = 0;

	for (;;) {
		char name[NAME_MAX + 1];
		const char *p = w->path + pos, *end, *next;
		size_t n, rest;
		bool link = false;
		int r;

		while (*p == '/')
			p++;
		if (*p == '\0')   /* "", "/", ".", a trailing "/" or ".." */
			return openat_retry(w->cur, ".", flags, mode);
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		for (next = end; *next == '/'; next++)
			;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, n);
		name[n] = '\0';
		/* What follows a link in the path keeps its leading slash: a
		 * trailing slash still asks for a directory. */
		rest = (size_t)(end - w->path);
		if (strcmp(name, ".") == 0)
			r = 0;
		else if (strcmp(name, "..") == 0)
			r = step_up(w);
		else if (*end == '/')
			r = walk_through(w, name, rest);
		else {
			r = open_last(w, name, rest, flags, mode, &link);
			if (r < 0 || !link)
				return r;
		}
		if (r < 0)
			return r;
		/* After a link the text to resolve starts again at 0. */
		pos = r == 1 || link ? 0 : (size_t)(next - w->path);
	}
}

static int walk_once(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct walk w = { .root = root_fd, .cur = root_fd };
	size_t len = strlen(rel);
	int r;

	if (len == 0)
		return -ENOENT;   /* as openat2() for "" */
	w.path_cap = len + 1;
	w.path = malloc(w.path_cap);
	if (!w.path)
		return -ENOMEM;
	memcpy(w.path, rel, len + 1);
	r = walk(&w, flags, mode);
	set_cur(&w, root_fd);
	free(w.path);
	free(w.ids);
	return r;
}

int resolve_walk_open(int root_fd, const char *rel, int flags, mode_t mode)
{
	int r = walk_once(root_fd, rel, flags, mode);

	/* A directory moved under the walk: once more, as fs.c does for
	 * openat2(); a second EAGAIN goes to the caller. */
	if (r == -EAGAIN)
		r = walk_once(root_fd, rel, flags, mode);
	return r;
}
