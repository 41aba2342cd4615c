/* SPDX-License-Identifier: ISC */
/* Opening a path beneath a root directory when openat2() is unavailable.
 *
 * fs.c opens everything with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
 * Where that system call fails — a kernel before 5.6 (ENOSYS), a seccomp
 * policy written before it existed (ENOSYS or EPERM), systemd's
 * RestrictSUIDSGID=yes (ENOSYS) — the same confinement is done here, one
 * component at a time from the root descriptor:
 *   - each component is opened with openat(O_PATH | O_NOFOLLOW), so the
 *     kernel never follows a symbolic link for us;
 *   - a symbolic link's text is read and resolved here, beneath the root
 *     (an absolute target starts again at the root), at most
 *     RESOLVE_MAX_LINKS of them per path (ELOOP);
 *   - ".." at the root stays at the root; elsewhere it must lead back to
 *     the directory the walk came through (device and inode compared),
 *     or the tree changed under us and the caller is told to retry (EAGAIN),
 *     as openat2() does;
 *   - magic links (/proc/self/fd/N) are plain text here: never followed
 *     to what they point at.
 * The result is the same file openat2(RESOLVE_IN_ROOT) opens, or an error
 * where the path cannot be resolved within these bounds. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

/* Symbolic links followed in one path, as the kernel's MAXSYMLINKS. */
#define RESOLVE_MAX_LINKS 40
/* Directories deep a walk may go (a path of VPATH_MAX has at most 2048). */
#define RESOLVE_MAX_DEPTH 8192

/* Tries openat2() once. 0 when it works, otherwise -errno (the reason). */
int resolve_probe_openat2(void);

/* Which resolution fs.c uses: openat2 (the default) or the walk here.
 * Set once, at start, from resolve_probe_openat2(). */
void resolve_set_walk(bool on);
bool resolve_walk_active(void);

/* Opens rel (relative to root_fd; a leading "/" means the root) with
 * openat() flags and mode, as openat2(root_fd, rel, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) would. A descriptor (O_CLOEXEC), or -errno;
 * -EAGAIN when a directory moved during the walk. */
int resolve_walk_open(int root_fd, const char *rel, int flags, mode_t mode);
