/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs.h"
#include "bounds.h"
#include "path.h"
#include "resolve.h"
#include "stop.h"
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

int fs_lstat(int root_fd, const char *vpath, struct stat *ret)
{
	const char *base;
	int dir = fs_open_parent(root_fd, vpath, &base);
	int r;

	if (dir < 0)
		return dir;
	r = fstatat(dir, base, ret, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(dir);
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

/* A fresh hidden name beside the target: ".ftpsd-upload-" and 16 hex digits. */
static void temp_name(char *buf, size_t size, int attempt)
{
	uint64_t nonce = 0;

	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint64_t)getpid() * 2654435761u + (uint64_t)attempt;
	snprintf(buf, size, ".ftpsd-upload-%016llx", (unsigned long long)nonce);
}

/* Whether an O_TMPFILE file can be given a name later: through
 * /proc/self/fd (absent in a chroot), or linkat(AT_EMPTY_PATH), which
 * older kernels allow only with CAP_DAC_READ_SEARCH. Without /proc we do
 * not rely on the latter and use a hidden name from the start. */
static bool can_name_anonymous(int fd)
{
	char proc[64];
	struct stat st;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return stat(proc, &st) == 0;
}

int fs_temp_create(int root_fd, const char *vpath, struct fs_temp *t)
{
	const char *base;
	int dir = fs_open_parent(root_fd, vpath, &base);

	t->fd = t->dir_fd = -1;
	t->name[0] = '\0';
	t->anonymous = false;
	if (dir < 0)
		return dir;
	t->dir_fd = dir;
	/* No name until the upload is complete: nothing a crash, SIGKILL or
	 * power cut can leave behind. */
	t->fd = openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666 & FS_PERM_MASK);
	if (t->fd >= 0 && can_name_anonymous(t->fd)) {
		t->anonymous = true;
		return 0;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	/* The filesystem lacks O_TMPFILE (or /proc is missing): a hidden name. */
	for (int attempt = 0; attempt < 8; attempt++) {
		temp_name(t->name, sizeof(t->name), attempt);
		t->fd = openat(dir, t->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0666 & FS_PERM_MASK);
		if (t->fd >= 0) {
			stop_guard_temp(dir, t->name);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	{
		int err = errno == EEXIST ? -EEXIST : -errno;

		t->name[0] = '\0';
		fs_temp_discard(t);
		return err;
	}
}

/* Gives an O_TMPFILE file a hidden name in its directory. */
static int link_anonymous(struct fs_temp *t)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
	for (int attempt = 0; attempt < 8; attempt++) {
		temp_name(t->name, sizeof(t->name), attempt);
		if (linkat(t->fd, "", t->dir_fd, t->name, AT_EMPTY_PATH) == 0 ||
		    linkat(AT_FDCWD, proc, t->dir_fd, t->name, AT_SYMLINK_FOLLOW) == 0) {
			stop_guard_temp(t->dir_fd, t->name);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	{
		int err = -errno;

		t->name[0] = '\0';
		return err;
	}
}

int fs_temp_commit(struct fs_temp *t, const char *base, bool no_replace)
{
	/* The data reaches the disk before the name does: after a crash the
	 * target is the old file or the complete new one, never a part. */
	int r = fsync(t->fd) < 0 ? -errno : 0;

	if (r == 0 && t->anonymous)
		r = link_anonymous(t);
	/* Some filesystems (NFS, quotas) report a write error only here. */
	if (close(t->fd) < 0 && r == 0)
		r = -errno;
	t->fd = -1;
	if (r == 0 && renameat2(t->dir_fd, t->name, t->dir_fd, base,
				no_replace ? RENAME_NOREPLACE : 0) < 0)
		r = -errno;
	if (r == 0)
		t->name[0] = '\0';   /* the name is the target's now */
	fs_temp_discard(t);
	return r;
}

void fs_temp_discard(struct fs_temp *t)
{
	stop_unguard_temp();
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->dir_fd >= 0 && t->name[0] != '\0')
		unlinkat(t->dir_fd, t->name, 0);
	t->name[0] = '\0';
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	t->dir_fd = -1;
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
