/* SPDX-License-Identifier: ISC */
/* The owner helper's rule (src/owner.h): which file it may give away. */
#include <string.h>
#include <sys/stat.h>

#include "tap.h"
#include "owner.h"

#define SESSION 998

static const struct {
	const char *name;
	mode_t type;
	nlink_t nlink;
	uid_t uid;
	bool ok;
} cases[] = {
	{ "an unnamed O_TMPFILE file of the session's", S_IFREG, 0, SESSION, true },
	{ "a file with a name (an existing file)", S_IFREG, 1, SESSION, false },
	{ "a file with two names", S_IFREG, 2, SESSION, false },
	{ "an unnamed file of another user", S_IFREG, 0, 1000, false },
	{ "an unnamed file of root", S_IFREG, 0, 0, false },
	{ "a directory", S_IFDIR, 0, SESSION, false },
	{ "a FIFO", S_IFIFO, 0, SESSION, false },
	{ "a socket", S_IFSOCK, 0, SESSION, false },
	{ "a character device", S_IFCHR, 0, SESSION, false },
	{ "a symbolic link", S_IFLNK, 0, SESSION, false },
};

int main(void)
{
	plan(sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stat st;

		memset(&st, 0, sizeof(st));
		st.st_mode = cases[i].type | 0600;
		st.st_nlink = cases[i].nlink;
		st.st_uid = cases[i].uid;
		ok(owner_may_chown(&st, SESSION) == cases[i].ok, "%s: %s", cases[i].name,
		   cases[i].ok ? "given" : "refused");
	}
	return done_testing();
}
