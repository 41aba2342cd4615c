/* SPDX-License-Identifier: ISC */
/* Fuzz target: the path walk without openat2 (src/resolve.c), against
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) as the model.
 *
 * A fixed tree is made once in a temporary directory: a root with files,
 * directories and symbolic links of every kind (relative, absolute, up
 * and out of the root, dangling, looping, chained), and beside the root a
 * directory "outside" with a file "secret". Input: one byte choosing the
 * open flags, then the path: each byte below 0xe0 is a token from the
 * table (names of the tree, "..", ".", "/", ...), the others are raw
 * bytes. Checks on resolve_walk_open(root, path, flags):
 *   - what it opens is never "outside" or "secret";
 *   - where openat2 works: both succeed or both fail; on success the same
 *     file (device, inode); on failure the same errno.
 * The tree is never modified (no O_CREAT): every input sees the same one. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"
#include "fuzz.h"

static const char *const tokens[] = {
	"a", "b", "f", "..", ".", "/", "//", "...", "l_up", "l_abs", "l_dir", "l_f",
	"l_loop", "l_dang", "l_out", "l_rel", "l_chain", "l_root", "secret", "outside",
	"x", "l_updir",
};

static const int flag_choices[] = {
	O_PATH, O_RDONLY, O_RDONLY | O_DIRECTORY, O_PATH | O_NOFOLLOW,
	O_PATH | O_DIRECTORY, O_RDONLY | O_NOFOLLOW, O_PATH | O_DIRECTORY | O_NOFOLLOW,
	O_WRONLY, O_RDONLY | O_NONBLOCK | O_NOCTTY,
};

static char top[] = "/tmp/ftpsd-fuzz-resolve-XXXXXX";
static int root_fd = -1;
static struct stat outside_st, secret_st;
static bool have_model;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_tree(void)
{
	nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tree(void)
{
	static const struct {
		const char *link, *target;
	} links[] = {
		{ "root/a/l_up", ".." },
		{ "root/a/b/l_updir", "../../../../.." },
		{ "root/a/b/l_out", "../../../../outside/secret" },
		{ "root/l_abs", "/a/b" },
		{ "root/l_dir", "a" },
		{ "root/l_f", "a/b/f" },
		{ "root/l_loop", "a/../l_loop" },
		{ "root/l_dang", "nowhere/x" },
		{ "root/l_out", "../outside/secret" },
		{ "root/a/l_rel", "b/../../l_dir/b" },
		{ "root/l_chain", "l_dir/l_up/l_dir/l_up/l_abs/../.." },
		{ "root/l_root", "/" },
	};
	int top_fd, fd;

	CHECK(mkdtemp(top));
	atexit(remove_tree);
	top_fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(top_fd >= 0);
	CHECK(mkdirat(top_fd, "root", 0755) == 0);
	CHECK(mkdirat(top_fd, "root/a", 0755) == 0);
	CHECK(mkdirat(top_fd, "root/a/b", 0755) == 0);
	CHECK(mkdirat(top_fd, "outside", 0755) == 0);
	CHECK((fd = openat(top_fd, "root/f", O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	CHECK((fd = openat(top_fd, "root/a/b/f", O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	CHECK((fd = openat(top_fd, "outside/secret", O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		CHECK(symlinkat(links[i].target, top_fd, links[i].link) == 0);
	CHECK(fstatat(top_fd, "outside", &outside_st, 0) == 0);
	CHECK(fstatat(top_fd, "outside/secret", &secret_st, 0) == 0);
	root_fd = openat(top_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(root_fd >= 0);
	close(top_fd);
	have_model = resolve_probe_openat2() == 0;
}

static int model_open(const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int tries = 0;

	/* EAGAIN: a rename anywhere on the system raced with a ".." (the
	 * kernel's check is global); it asks to be retried. */
	do
		fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 100);
	return fd < 0 ? -errno : (int)fd;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[8192];
	size_t len = 0;
	int flags, got, want;
	struct stat gst, wst;

	if (root_fd < 0)
		make_tree();
	if (size < 1)
		return 0;
	flags = flag_choices[data[0] % (sizeof(flag_choices) / sizeof(flag_choices[0]))];
	for (size_t i = 1; i < size; i++) {
		const char *t;
		size_t n;
		char raw[2] = { (char)data[i], '\0' };

		if (data[i] < 0xe0) {
			t = tokens[data[i] % (sizeof(tokens) / sizeof(tokens[0]))];
		} else {
			raw[0] = (char)(data[i] & 0x1f ? data[i] : '/');
			t = raw;
		}
		n = strlen(t);
		if (len + n + 1 >= sizeof(path))
			break;
		memcpy(path + len, t, n);
		len += n;
		/* Tokens are separated unless the next byte says otherwise. */
		if (data[i] < 0x70 && len + 1 < sizeof(path))
			path[len++] = '/';
	}
	path[len] = '\0';

	got = resolve_walk_open(root_fd, path, flags, 0);
	if (got >= 0) {
		CHECK(fstat(got, &gst) == 0);
		CHECK(!same_file(&gst, &outside_st) && !same_file(&gst, &secret_st));
	}
	if (have_model) {
		want = model_open(path, flags);
		if (want >= 0 || got >= 0) {
			if (!(want >= 0 && got >= 0))
				fprintf(stderr, "path '%s' flags %#o: walk %d, openat2 %d\n", path,
					(unsigned)flags, got, want);
			CHECK(want >= 0 && got >= 0);
			CHECK(fstat(want, &wst) == 0);
			CHECK(same_file(&gst, &wst));
		} else if (got != want) {
			fprintf(stderr, "path '%s' flags %#o: walk %s, openat2 %s\n", path,
				(unsigned)flags, strerror(-got), strerror(-want));
			CHECK(got == want);
		}
		if (want >= 0)
			close(want);
	}
	if (got >= 0)
		close(got);
	return 0;
}
