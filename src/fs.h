/* SPDX-License-Identifier: ISC */
/* Every filesystem call, beneath a root directory descriptor. Paths are
 * virtual paths (path.h); resolution uses openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), so "..", absolute symlinks and relative ones
 * all stay inside the root, whatever our privileges; where openat2() is
 * unavailable, resolve.c walks the path instead. Each function returns
 * a descriptor or 0, or -errno. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The permission bits ftpsd ever asks for when it creates something:
 * never set-user-ID, set-group-ID or sticky, whatever FTPSD_UMASK says
 * (the umask can only take bits away). Every mode passed to the kernel is
 * masked with it. */
#define FS_PERM_MASK 0777

/* Opens vpath beneath root; mode is masked with FS_PERM_MASK. */
int fs_open(int root_fd, const char *vpath, int flags, mode_t mode);

/* fstat() of what vpath names (symlinks followed, inside the root). */
int fs_stat(int root_fd, const char *vpath, struct stat *ret);

/* The same for vpath's last component itself: a symlink is described,
 * not followed (its directory is still resolved inside the root). -EPERM
 * for "/". */
int fs_lstat(int root_fd, const char *vpath, struct stat *ret);

/* Opens vpath as a directory (O_RDONLY | O_DIRECTORY) for listing or CWD. */
int fs_open_dir(int root_fd, const char *vpath);

/* Opens the parent directory of vpath (O_PATH) and gives its last
 * component in *ret_base. -EPERM for "/" itself. */
int fs_open_parent(int root_fd, const char *vpath, const char **ret_base);

int fs_mkdir(int root_fd, const char *vpath);
int fs_rmdir(int root_fd, const char *vpath);
int fs_unlink(int root_fd, const char *vpath);
int fs_rename(int root_fd, const char *from, const char *to);

/* The file an atomic upload writes before it takes the target's place:
 * an unnamed O_TMPFILE file in the target's directory where the
 * filesystem has them, else a new hidden ".ftpsd-upload-..." file. */
struct fs_temp {
	int fd;            /* for writing; -1 once committed or discarded */
	int dir_fd;        /* the target's directory (O_PATH) */
	char name[64];     /* its hidden name while it has one, else "" */
	bool anonymous;    /* O_TMPFILE: no name until the commit */
};

/* Creates the temporary for an upload to vpath. 0 or -errno. */
int fs_temp_create(int root_fd, const char *vpath, struct fs_temp *t);

/* Makes the temporary the file named base in its directory: fsync, then
 * (O_TMPFILE) a hidden name, close, rename over base (with no_replace
 * only where base does not exist yet: -EEXIST otherwise, even in a race);
 * every result checked. On failure the temporary is removed and base is
 * untouched. Either way t is released. 0 or -errno. */
int fs_temp_commit(struct fs_temp *t, const char *base, bool no_replace);

/* Removes the temporary and releases t (safe to call twice). */
void fs_temp_discard(struct fs_temp *t);

/* Creates a new, unique file in vpath's directory for STOU: "name",
 * "name.1", ... (O_EXCL). Returns the descriptor and the new virtual path. */
int fs_create_unique(int root_fd, const char *vpath, char *ret_path, size_t size);
