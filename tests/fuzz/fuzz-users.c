/* SPDX-License-Identifier: ISC */
/* Fuzz target: the users file (src/users.c): users_parse_line,
 * users_find and users_check.
 *
 * Input: "name\n" then the file's contents. The contents go into a memfd
 * (users_find reads it with pread in 16 KiB blocks). Checks:
 *   - users_parse_line on every line, given as an exact-size copy with its
 *     length (ASan sees a read past the end) and as a NUL-terminated one
 *     (as users.c passes it): both agree; 1 only for blank and comment
 *     lines; on 0 the fields are terminated, the name has no space,
 *     control byte or ':', the hash starts with '$', '!' or '*', home is
 *     "" or absolute, name:hash[:home] is the line's start exactly, and
 *     the options field after it parses alone to the entry's options;
 *   - users_find(name) returns the first line that a reference splitter
 *     (LF-separated, one CR before the LF dropped, lines of
 *     USERS_LINE_MAX bytes or more skipped) gives users_parse_line with
 *     that name: 0 and the entry when it parses, -EINVAL when that first
 *     line is malformed, -ENOENT when no line names the user;
 *   - users_check counts exactly the malformed and over-long lines (up to
 *     CONFIG_MAX_ERRORS) and returns -EINVAL exactly when there is one. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "users.h"
#include "fuzz.h"

/* Parses line[0..len) both ways and checks the result; returns it. */
static int check_line(const char *line, size_t len, struct user_entry *e)
{
	char *exact = malloc(len ? len : 1), *term = malloc(len + 1);
	struct user_entry e2;
	const char *why = NULL, *why2 = NULL;
	int r, r2;

	CHECK(exact && term);
	memcpy(exact, line, len);
	memcpy(term, line, len);
	term[len] = '\0';
	memset(e, 0x5a, sizeof(*e));
	r = users_parse_line(term, len, e, &why);
	r2 = users_parse_line(exact, len, &e2, &why2);
	CHECK(r == r2);
	CHECK(r == 0 || r == 1 || r == -EINVAL);
	if (r == -EINVAL)
		CHECK(why && why2 && strcmp(why, why2) == 0);
	if (r == 1)
		CHECK(len == 0 || line[0] == '#' || strspn(term, " \t") == len);
	if (r == 0) {
		size_t nl = strnlen(e->name, sizeof(e->name)), hl = strnlen(e->hash, sizeof(e->hash)),
		       ml = strnlen(e->home, sizeof(e->home));
		char *rebuilt = malloc(len + 1);

		CHECK(rebuilt);
		CHECK(nl > 0 && nl < sizeof(e->name) && hl > 0 && hl < sizeof(e->hash) &&
		      ml < sizeof(e->home));
		for (size_t i = 0; i < nl; i++)
			CHECK((unsigned char)e->name[i] > 0x20 && e->name[i] != 0x7f && e->name[i] != ':');
		CHECK(e->hash[0] == '$' || e->hash[0] == '!' || e->hash[0] == '*');
		CHECK(!strchr(e->hash, ':') && !strchr(e->home, ':'));
		CHECK(ml == 0 || e->home[0] == '/');
		/* name:hash, then nothing, ":", ":home", or ":home:options"
		 * where options parse alone to what the entry holds. */
		snprintf(rebuilt, len + 1, "%s:%s", e->name, e->hash);
		CHECK(nl + 1 + hl <= len && memcmp(rebuilt, line, nl + 1 + hl) == 0);
		if (nl + 1 + hl < len) {
			size_t at = nl + 1 + hl;

			CHECK(line[at] == ':' && at + 1 + ml <= len);
			CHECK(memcmp(line + at + 1, e->home, ml) == 0);
			at += 1 + ml;
			if (at < len) {
				struct user_options o;
				char why[USER_OPTIONS_WHY_MAX];

				CHECK(line[at] == ':');
				CHECK(user_options_parse(line + at + 1, len - at - 1, &o, why, sizeof(why)) == 0);
				CHECK(memcmp(&o, &e->opts, sizeof(o)) == 0);
			}
		}
		CHECK(strcmp(e->name, e2.name) == 0 && strcmp(e->hash, e2.hash) == 0 &&
		      strcmp(e->home, e2.home) == 0 && memcmp(&e->opts, &e2.opts, sizeof(e->opts)) == 0);
		free(rebuilt);
	}
	free(exact);
	free(term);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	const uint8_t *nl = memchr(data, '\n', size);
	char name[USER_NAME_MAX + 8];
	const char *file;
	size_t flen, nlen, start = 0, bad = 0;
	struct user_entry want, got, e;
	int found = 0, r;
	struct config_errors *errs;

	if (!nl)
		return 0;
	nlen = (size_t)(nl - data);
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	file = (const char *)nl + 1;
	flen = size - (size_t)(nl + 1 - data);

	if (fd < 0)
		fd = memfd_create("fuzz-users", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(flen == 0 || pwrite(fd, file, flen, 0) == (ssize_t)flen);

	/* The reference line splitter. */
	while (start < flen) {
		const char *lf = memchr(file + start, '\n', flen - start);
		size_t end = lf ? (size_t)(lf - file) : flen, len = end - start;
		/* A final line without LF keeps its CR, and is too long only
		 * past the buffer (USERS_LINE_MAX bytes still pass). */
		int too_long;

		if (lf && len > 0 && file[end - 1] == '\r')
			len--;
		too_long = lf ? len >= USERS_LINE_MAX : len > USERS_LINE_MAX;
		if (too_long) {
			bad++;
		} else {
			r = check_line(file + start, len, &e);
			if (r < 0)
				bad++;
			/* The first line that names the user decides, good or
			 * bad (a bad one names it when its name is well-formed). */
			if (r != 1 && !found && e.name[0] && strcmp(e.name, name) == 0) {
				want = e;
				found = r == 0 ? 1 : -1;
			}
		}
		start = end + 1;
	}

	r = users_find(fd, name, &got);
	if (found < 0) {
		CHECK(r == -EINVAL);
	} else if (found) {
		CHECK(r == 0);
		CHECK(strcmp(got.name, want.name) == 0 && strcmp(got.hash, want.hash) == 0 &&
		      strcmp(got.home, want.home) == 0);
	} else {
		CHECK(r == -ENOENT);
	}

	errs = calloc(1, sizeof(*errs));
	CHECK(errs);
	r = users_check(fd, "/fuzz/users", errs);
	CHECK(errs->count == (bad < CONFIG_MAX_ERRORS ? bad : CONFIG_MAX_ERRORS));
	CHECK(r == (bad ? -EINVAL : 0));
	for (unsigned i = 0; i < errs->count; i++)
		CHECK(memchr(errs->text[i], 0, CONFIG_ERROR_LEN) != NULL);
	free(errs);
	return 0;
}
