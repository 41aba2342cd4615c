#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs.h"
#include "bounds.h"
#include "path.h"
#include "resolve.h"
#include "banned.h"

static int openat2_beneath(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	/* EAGAIN: a rename raced with the lookup; the kernel asks us to retry. */
	if (fd < 0 && errno == EAGAIN) {
		fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
	}
	return fd < 0 ? -errno : (int)fd;
}

int fs_open(int root_fd, const char *vpath, int flags, mode_t mode)
{
	mode &= FS_PERM_MASK;
	/* Without openat2() (probed once at start), resolve.c walks the path
	 * with the same confinement. */
	if (resolve_walk_active())
		return resolve_walk_open(root_fd, path_beneath_root(vpath), flags, mode);
	return openat2_beneath(root_fd, path_beneath_root(vpath), flags, mode);
}

int fs_stat(int root_fd, const char *vpath, struct stat *ret)
{
	int fd = fs_open(root_fd, vpath, O_PATH, 0);
	int r;

	if (fd < 0)
		return fd;
	r = fstat(fd, ret) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int fs_open_dir(int root_fd, const char *vpath)
{
	return fs_open(root_fd, vpath, O_RDONLY | O_DIRECTORY, 0);
}

int fs_open_parent(int root_fd, const char *vpath, const char **ret_base)
{
	char parent[VPATH_MAX];
	int r = path_split(vpath, parent, sizeof(parent), ret_base);

	if (r < 0)
		return r == -EINVAL ? -EPERM : r;
	return fs_open(root_fd, parent, O_PATH | O_DIRECTORY, 0);
}

int fs_mkdir(int root_fd, const char *vpath)
{
	const char *base;
	int dir = fs_open_parent(root_fd, vpath, &base);
	int r;

	if (dir < 0)
		return dir;
	r = mkdirat(dir, base, 0777 & FS_PERM_MASK) < 0 ? -errno : 0;
	close(dir);
	return r;
}

int fs_rmdir(int root_fd, const char *vpath)
{
	const char *base;
	int dir = fs_open_parent(root_fd, vpath, &base);
	int r;

	if (dir < 0)
		return dir;
	r = unlinkat(dir, base, AT_REMOVEDIR) < 0 ? -errno : 0;
	close(dir);
	return r;
}

int fs_unlink(int root_fd, const char *vpath)
{
	const char *base;
	int dir = fs_open_parent(root_fd, vpath, &base);
	struct stat st;
	int r;

	if (dir < 0)
		return dir;
	/* DELE removes files; RMD is for directories. */
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else
		r = unlinkat(dir, base, 0) < 0 ? -errno : 0;
	close(dir);
	return r;
}

int fs_rename(int root_fd, const char *from, const char *to)
{
	const char *from_base, *to_base;
	int from_dir = fs_open_parent(root_fd, from, &from_base);
	int to_dir, r;

	if (from_dir < 0)
		return from_dir;
	to_dir = fs_open_parent(root_fd, to, &to_base);
	if (to_dir < 0) {
		close(from_dir);
		return to_dir;
	}
	r = renameat(from_dir, from_base, to_dir, to_base) < 0 ? -errno : 0;
	close(from_dir);
	close(to_dir);
	return r;
}

int fs_create_temp(int root_fd, const char *vpath, int *ret_dir, char *tmp, size_t tmp_size)
{
	const char *base;
	int dir = fs_open_parent(root_fd, vpath, &base);

	if (dir < 0)
		return dir;
	for (int attempt = 0; attempt < 8; attempt++) {
		uint64_t nonce = 0;
		int fd;

		if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
			nonce = (uint64_t)getpid() * 2654435761u + (uint64_t)attempt;
		snprintf(tmp, tmp_size, ".ftpsd-upload-%016llx", (unsigned long long)nonce);
		fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0666 & FS_PERM_MASK);
		if (fd >= 0) {
			*ret_dir = dir;
			return fd;
		}
		if (errno != EEXIST) {
			int err = -errno;

			close(dir);
			return err;
		}
	}
	close(dir);
	return -EEXIST;
}

int fs_create_unique(int root_fd, const char *vpath, char *ret_path, size_t size)
{
	for (unsigned i = 0; i < 100; i++) {
		int n = i == 0 ? snprintf(ret_path, size, "%s", vpath)
			       : snprintf(ret_path, size, "%s.%u", vpath, i);
		int fd;

		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		fd = fs_open(root_fd, ret_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
		if (fd != -EEXIST)
			return fd;
	}
	return -EEXIST;
}
