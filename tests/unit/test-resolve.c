/* SPDX-License-Identifier: ISC */
/* The path walk without openat2 (src/resolve.c), on a real tree of files,
 * directories and symbolic links: one row per case, each with the file it
 * must open (compared by device and inode) or the error it must give.
 * Where openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) works, every row
 * is also checked against it, the model the walk imitates. Beside the
 * root lies "outside/secret": no row may ever reach it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"
#include "resolve.h"

#define CREATE (O_WRONLY | O_CREAT | O_EXCL)

static const struct {
	const char *path;
	int flags;
	int want;              /* 0 or -errno */
	const char *target;    /* what it must open, relative to the root */
	bool created;          /* the row creates target: removed afterwards */
} cases[] = {
	/* The root, however it is named; never above it. */
	{ ".",                 O_PATH,                 0, ".", false },
	{ "/",                 O_PATH,                 0, ".", false },
	{ "//.//",             O_RDONLY | O_DIRECTORY, 0, ".", false },
	{ "..",                O_PATH,                 0, ".", false },
	{ "../../..",          O_PATH,                 0, ".", false },
	{ "/../f",             O_RDONLY,               0, "f", false },
	{ "",                  O_PATH,                 -ENOENT, NULL, false },
	/* Plain files and directories. */
	{ "f",                 O_RDONLY,               0, "f", false },
	{ "d/g",               O_RDONLY,               0, "d/g", false },
	{ "d/./g",             O_RDONLY,               0, "d/g", false },
	{ "d//g",              O_RDONLY,               0, "d/g", false },
	{ "d/../f",            O_RDONLY,               0, "f", false },
	{ "d/e/../../f",       O_RDONLY,               0, "f", false },
	{ "d/e/../../../../f", O_RDONLY,               0, "f", false },
	{ "d",                 O_RDONLY | O_DIRECTORY, 0, "d", false },
	{ "d/",                O_RDONLY,               0, "d", false },
	{ "d/e/..",            O_PATH,                 0, "d", false },
	{ "nothere",           O_RDONLY,               -ENOENT, NULL, false },
	{ "nothere/x",         O_PATH,                 -ENOENT, NULL, false },
	{ "f/",                O_RDONLY,               -ENOTDIR, NULL, false },
	{ "f/.",               O_PATH,                 -ENOTDIR, NULL, false },
	{ "f/..",              O_PATH,                 -ENOTDIR, NULL, false },
	{ "d/g/x",             O_PATH,                 -ENOTDIR, NULL, false },
	{ "f",                 O_RDONLY | O_DIRECTORY, -ENOTDIR, NULL, false },
	{ "d",                 O_WRONLY,               -EISDIR, NULL, false },
	/* Names that only look special (as in test-path.c). */
	{ "...",               O_RDONLY | O_DIRECTORY, 0, "...", false },
	{ ".../..x",           O_RDONLY,               0, ".../..x", false },
	{ "..x",               O_RDONLY,               -ENOENT, NULL, false },
	{ ".../../f",          O_RDONLY,               0, "f", false },
	{ "..\\..\\f",         O_RDONLY,               -ENOENT, NULL, false },
	{ ". .",               O_RDONLY,               0, ". .", false },
	/* Relative links, inside and pointing above the root. */
	{ "fl",                O_RDONLY,               0, "f", false },
	{ "fl",                O_PATH,                 0, "f", false },
	{ "fl",                O_PATH | O_NOFOLLOW,    0, "fl", false },
	{ "fl",                O_RDONLY | O_NOFOLLOW,  -ELOOP, NULL, false },
	{ "fl",                O_RDONLY | O_DIRECTORY, -ENOTDIR, NULL, false },
	{ "fl/",               O_RDONLY,               -ENOTDIR, NULL, false },
	{ "ldir",              O_RDONLY | O_DIRECTORY, 0, "d", false },
	{ "ldir",              O_PATH | O_DIRECTORY | O_NOFOLLOW, -ENOTDIR, NULL, false },
	{ "ldir/",             O_RDONLY,               0, "d", false },
	{ "ldir/g",            O_RDONLY,               0, "d/g", false },
	{ "ldir/../f",         O_RDONLY,               0, "f", false },
	{ "d/up/f",            O_RDONLY,               0, "f", false },
	{ "d/upup",            O_PATH,                 0, ".", false },
	{ "d/upup/d/g",        O_RDONLY,               0, "d/g", false },
	{ "d/escape",          O_RDONLY,               -ENOENT, NULL, false },
	{ "d/escape_dir/f",    O_RDONLY,               0, "f", false },
	/* Absolute links start at the root, not at "/". */
	{ "d/abs",             O_RDONLY,               0, "d/g", false },
	{ "ldir2/g",           O_RDONLY,               0, "d/g", false },
	{ "ldir2",             O_PATH,                 0, "d", false },
	{ "abs_etc",           O_RDONLY,               -ENOENT, NULL, false },
	{ "abs_root/d/g",      O_RDONLY,               0, "d/g", false },
	{ "abs_dotdot",        O_RDONLY,               0, "f", false },
	/* Links that go nowhere, or in circles. */
	{ "dangling",          O_RDONLY,               -ENOENT, NULL, false },
	{ "dangling/x",        O_PATH,                 -ENOENT, NULL, false },
	{ "loop1",             O_RDONLY,               -ELOOP, NULL, false },
	{ "loop1/x",           O_PATH,                 -ELOOP, NULL, false },
	{ "self",              O_PATH,                 -ELOOP, NULL, false },
	{ "L1",                O_RDONLY,               -ELOOP, NULL, false },   /* 41 links */
	{ "L2",                O_RDONLY,               0, "f", false },        /* 40 links */
	/* Creation: through links, never outside, never over a link. */
	{ "new1",              CREATE,                 0, "new1", true },
	{ "d/up/new2",         CREATE,                 0, "new2", true },
	{ "ldir/new3",         CREATE,                 0, "d/new3", true },
	{ "dangling",          CREATE,                 -EEXIST, NULL, false },
	{ "to_made",           O_WRONLY | O_CREAT,     0, "made", true },
	{ "to_made_abs",       O_WRONLY | O_CREAT,     0, "d/made", true },
	{ "fl",                CREATE,                 -EEXIST, NULL, false },
	{ "f",                 CREATE,                 -EEXIST, NULL, false },
	{ "nothere/new",       CREATE,                 -ENOENT, NULL, false },
	{ "d/escape",          O_WRONLY | O_CREAT,     -ENOENT, NULL, false },
};

static int root_fd, top_fd;
static char top_path[] = "/tmp/ftpsd-resolve-XXXXXX";
static struct stat secret;

static void must(int r, const char *what)
{
	if (r < 0) {
		perror(what);
		exit(1);
	}
}

/* root/ and outside/ in a fresh directory. */
static void make_tree(void)
{
	static const struct {
		const char *link, *target;
	} links[] = {
		{ "root/fl", "f" },               { "root/ldir", "d" },
		{ "root/ldir2", "/d/" },          { "root/d/up", ".." },
		{ "root/d/upup", "../.." },       { "root/d/abs", "/d/g" },
		{ "root/d/escape", "../../outside/secret" },
		{ "root/d/escape_dir", "../../../.." },
		{ "root/abs_etc", "/etc/passwd" }, { "root/abs_root", "/" },
		{ "root/abs_dotdot", "/../../f" },
		{ "root/dangling", "nowhere" },   { "root/loop1", "loop2" },
		{ "root/loop2", "loop1" },        { "root/self", "self" },
		{ "root/to_made", "made" },       { "root/to_made_abs", "/d/made" },
	};
	char name[32], target[32];
	int fd;

	must(mkdtemp(top_path) ? 0 : -1, "mkdtemp");
	top_fd = open(top_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	must(top_fd, "open tmp");
	must(mkdirat(top_fd, "root", 0755), "mkdir root");
	must(mkdirat(top_fd, "root/d", 0755), "mkdir d");
	must(mkdirat(top_fd, "root/d/e", 0755), "mkdir e");
	must(mkdirat(top_fd, "outside", 0755), "mkdir outside");
	must(mkdirat(top_fd, "root/...", 0755), "mkdir ...");
	must(fd = openat(top_fd, "root/.../..x", O_WRONLY | O_CREAT, 0644), "..x");
	close(fd);
	must(fd = openat(top_fd, "root/. .", O_WRONLY | O_CREAT, 0644), ". .");
	close(fd);
	must(fd = openat(top_fd, "root/f", O_WRONLY | O_CREAT, 0644), "f");
	close(fd);
	must(fd = openat(top_fd, "root/d/g", O_WRONLY | O_CREAT, 0644), "g");
	close(fd);
	must(fd = openat(top_fd, "outside/secret", O_WRONLY | O_CREAT, 0644), "secret");
	close(fd);
	must(fstatat(top_fd, "outside/secret", &secret, 0), "stat secret");
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		must(symlinkat(links[i].target, top_fd, links[i].link), links[i].link);
	/* L1 -> L2 -> ... -> L41 -> f: 41 links from L1, 40 from L2. */
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "root/L%d", i);
		if (i < 41)
			snprintf(target, sizeof(target), "L%d", i + 1);
		else
			snprintf(target, sizeof(target), "f");
		must(symlinkat(target, top_fd, name), name);
	}
	root_fd = openat(top_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	must(root_fd, "open root");
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int model_open(const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
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

/* Checks one result against the row: the error, or the very file. */
static void check_row(size_t i, const char *who, int r)
{
	struct stat got, want;
	bool same = false;

	if (cases[i].want < 0 || r < 0) {
		is_int(r, cases[i].want, "%s '%s' flags %#o: %s", who, cases[i].path,
		       (unsigned)cases[i].flags, strerror(cases[i].want < 0 ? -cases[i].want : 0));
		if (r >= 0)
			close(r);
		return;
	}
	if (fstat(r, &got) == 0 && fstatat(root_fd, cases[i].target, &want, AT_SYMLINK_NOFOLLOW) == 0)
		same = got.st_dev == want.st_dev && got.st_ino == want.st_ino;
	ok(same, "%s '%s' flags %#o opens %s", who, cases[i].path, (unsigned)cases[i].flags,
	   cases[i].target);
	ok(!(got.st_dev == secret.st_dev && got.st_ino == secret.st_ino), "%s '%s': not outside",
	   who, cases[i].path);
	close(r);
	if (cases[i].created)
		unlinkat(root_fd, cases[i].target, 0);
}

int main(void)
{
	bool have_model;

	make_tree();
	have_model = resolve_probe_openat2() == 0;
	if (!have_model)
		diag("openat2 is unavailable here: rows are checked against the table only");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		check_row(i, "walk", resolve_walk_open(root_fd, cases[i].path, cases[i].flags, 0644));
		if (have_model)
			check_row(i, "openat2", model_open(cases[i].path, cases[i].flags, 0644));
	}
	/* A name longer than NAME_MAX, and a walk that leaves no descriptor. */
	{
		char longname[300];
		int before = dup(0), after;

		memset(longname, 'n', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		is_int(resolve_walk_open(root_fd, longname, O_RDONLY, 0), -ENAMETOOLONG,
		       "a 299-byte name: ENAMETOOLONG");
		close(before);
		after = dup(0);
		is_int(after, before, "no descriptor left open by the walks");
		close(after);
	}
	close(root_fd);
	close(top_fd);
	nftw(top_path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
