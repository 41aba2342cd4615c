/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quota.h"
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
	*ret_bytes = w.bytes;
	*ret_files = w.files;
	return 0;
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

void quota_add(struct quota *q, uint64_t written, uint64_t replaced, bool new_file)
{
	q->bytes = (q->bytes > replaced ? q->bytes - replaced : 0) + written;
	if (new_file)
		q->files++;
}
