/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "quota.h"
#include "usage.h"
#include "banned.h"

struct walk {
	uint64_t bytes, files, entries;
};

/* Counts dir_fd's contents and closes it. */
static int count_dir(int dir_fd, unsigned depth, struct walk *w)
{
	DIR *d = fdopendir(dir_fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		close(dir_fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* The usage file is ftpsd's, not the user's: it takes no room. */
		if (depth == 0 && strcmp(de->d_name, USAGE_NAME) == 0)
			continue;
		if (++w->entries > QUOTA_MAX_ENTRIES)
			r = -E2BIG;
		else if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = errno == ENOENT ? 0 : -errno;   /* ENOENT: removed meanwhile */
		else if (S_ISREG(st.st_mode)) {
			w->bytes += (uint64_t)st.st_size;
			w->files++;
		} else if (S_ISDIR(st.st_mode)) {
			if (depth + 1 >= QUOTA_MAX_DEPTH)
				r = -E2BIG;
			else if ((sub = openat(dirfd(d), de->d_name,
					       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
				r = count_dir(sub, depth + 1, w);
			else if (errno != ENOENT)
				r = -errno;   /* a subtree not counted would be free space */
		}
	}
	closedir(d);
	return r;
}

int quota_count(int root_fd, uint64_t *ret_bytes, uint64_t *ret_files)
{
	struct walk w = { 0 };
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = count_dir(fd, 0, &w);
	if (r < 0)
		return r;
	if (w.bytes > USAGE_VALUE_MAX || w.files > USAGE_VALUE_MAX)
		return -E2BIG;   /* more than the usage file can say: full */
	*ret_bytes = w.bytes;
	*ret_files = w.files;
	return 0;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens the root as a directory and takes the exclusive lock on it that
 * every session of every user of this tree takes around the usage file.
 * The root, not the file: the file is replaced by rename, and a lock on
 * the replaced one would guard nothing. Returns the descriptor, which
 * holds the lock until it is closed, -ETIMEDOUT, or -errno (a filesystem
 * without flock on directories). */
static int lock_root(int root_fd)
{
	int64_t deadline = monotonic_ms() + QUOTA_LOCK_WAIT_MS;
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		const struct timespec pause = { 0, 10 * 1000 * 1000 };
		int err;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		err = errno;
		if (err != EWOULDBLOCK && err != EINTR) {
			close(fd);
			return -err;
		}
		if (monotonic_ms() >= deadline) {
			close(fd);
			return -ETIMEDOUT;
		}
		nanosleep(&pause, NULL);   /* held for a read and a rename, or a walk */
	}
}

/* Reads the usage file in dir_fd into *u. Returns NULL when it can be
 * used, else why it cannot: then the tree is walked. The file is hostile
 * input: anybody with a shell on the account can write it. */
static const char *read_usage(int dir_fd, int64_t now, struct usage *u)
{
	char buf[USAGE_FILE_MAX + 1];
	size_t len = 0;
	struct stat st;
	const char *why = NULL;
	int fd = openat(dir_fd, USAGE_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? "missing" : errno == ELOOP ? "a symbolic link" : "unreadable";
	if (fstat(fd, &st) < 0)
		why = "unreadable";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		why = "writable by others";
	else if (st.st_nlink != 1)
		why = "linked elsewhere";
	while (!why && len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			why = "unreadable";
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!why && usage_parse(buf, len, u) < 0)
		why = "unparsable";
	if (!why && !usage_fresh(u, now))
		why = "stale";
	return why;
}

/* Replaces the usage file with u: a new file, complete on disk, renamed
 * over the old one. */
static int store_usage(int root_fd, const struct usage *u)
{
	char buf[USAGE_FILE_MAX + 1];
	int n = usage_format(u, buf, sizeof(buf));
	struct fs_temp t;
	size_t off = 0;
	int r;

	if (n < 0)
		return n;
	r = fs_temp_create(root_fd, "/" USAGE_NAME, &t);
	if (r < 0)
		return r;
	/* Readable by the account alone, whatever the user's umask=: the
	 * reader refuses a file others could have written. */
	if (fchmod(t.fd, 0600) < 0)
		r = -errno;
	while (r == 0 && off < (size_t)n) {
		ssize_t w = write(t.fd, buf + off, (size_t)n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			r = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (r < 0) {
		fs_temp_discard(&t);
		return r;
	}
	return fs_temp_commit(&t, USAGE_NAME, false);
}

static void apply(uint64_t *bytes, uint64_t *files, const struct quota_change *c)
{
	*bytes = *bytes > c->removed ? *bytes - c->removed : 0;
	*bytes = c->added > USAGE_VALUE_MAX - *bytes ? USAGE_VALUE_MAX : *bytes + c->added;
	if (c->file_gone && *files > 0)
		(*files)--;
	if (c->new_file && *files < USAGE_VALUE_MAX)
		(*files)++;
}

int quota_sync(int root_fd, struct quota *q, const struct quota_change *change, int64_t now,
	       struct quota_sync_result *res)
{
	struct usage u;
	bool dirty = false;
	int dir_fd, r = 0;

	res->failed = QUOTA_STAGE_NONE;
	res->walked = NULL;
	dir_fd = lock_root(root_fd);
	if (dir_fd < 0) {
		res->failed = QUOTA_STAGE_LOCK;
		return dir_fd;
	}
	res->walked = read_usage(dir_fd, now, &u);
	if (res->walked) {
		r = quota_count(dir_fd, &u.bytes, &u.files);
		if (r < 0) {
			res->failed = QUOTA_STAGE_COUNT;
			q->counted = false;
			close(dir_fd);
			return r;
		}
		u.counted = now;
		dirty = true;
	} else if (change) {
		apply(&u.bytes, &u.files, change);
		dirty = true;
	}
	q->bytes = u.bytes;
	q->files = u.files;
	q->counted = true;
	if (dirty && (r = store_usage(root_fd, &u)) < 0)
		res->failed = QUOTA_STAGE_STORE;
	close(dir_fd);   /* the lock goes with it */
	return r;
}

int quota_forget(int root_fd)
{
	return fs_unlink(root_fd, "/" USAGE_NAME);
}

bool quota_active(const struct quota *q)
{
	return q->max_bytes || q->max_files;
}

int64_t quota_room(const struct quota *q, uint64_t replaced, bool new_file)
{
	uint64_t used;

	if (q->max_files && new_file && q->files >= q->max_files)
		return -EFBIG;
	if (!q->max_bytes)
		return INT64_MAX;
	used = q->bytes > replaced ? q->bytes - replaced : 0;
	if (used >= q->max_bytes)
		return 0;
	return q->max_bytes - used > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(q->max_bytes - used);
}

void quota_apply(struct quota *q, const struct quota_change *change)
{
	apply(&q->bytes, &q->files, change);
}
