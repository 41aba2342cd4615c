/* SPDX-License-Identifier: ISC */
/* Fuzz target: virtual paths (src/path.c): path_resolve, path_split,
 * path_quote, path_beneath_root.
 *
 * Input: one size byte, then "cwd-seed NUL argument". The working
 * directory is path_resolve("/", cwd-seed) (so it is normalized, as the
 * session's always is); the output buffer is an exact-size heap buffer
 * of a size taken from the first byte (tiny, around VPATH_MAX, or
 * VPATH_MAX). Checks on path_resolve(cwd, arg):
 *   - 0 or -ENAMETOOLONG only; it must succeed when cwd + "/" + arg fits;
 *   - the result starts with '/', has no "//", no "." or ".." component,
 *     does not end in '/' unless it is "/", and fits the buffer;
 *   - it equals a reference normalizer (a stack of components);
 *   - resolving the result again, from "/" or from any cwd, is identity;
 * path_split: parent + "/" + base rebuilds the path, the parent is
 * normalized, base is one non-empty component, -EINVAL only for "/";
 * path_quote: doubling '"' and undoubling gives the input back, and
 * -ENOSPC exactly when the quoted text does not fit; path_beneath_root:
 * no leading '/', "." for the root. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "path.h"
#include "fuzz.h"

/* Reference: apply the components of s to the stack in out (length *len). */
static void ref_apply(char *out, size_t *len, const char *s)
{
	while (*s) {
		const char *e;
		size_t n;

		while (*s == '/')
			s++;
		e = s;
		while (*e && *e != '/')
			e++;
		n = (size_t)(e - s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (*len > 0 && out[--*len] != '/')
				;
		} else if (n > 0 && !(n == 1 && s[0] == '.')) {
			out[(*len)++] = '/';
			memcpy(out + *len, s, n);
			*len += n;
		}
		s = e;
	}
	out[*len] = '\0';
}

static char *ref_resolve(const char *cwd, const char *arg)
{
	char *out = malloc(strlen(cwd) + strlen(arg) + 3);
	size_t len = 0;

	CHECK(out);
	out[0] = '\0';
	if (arg[0] != '/')
		ref_apply(out, &len, cwd);
	ref_apply(out, &len, arg);
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return out;
}

static void check_normalized(const char *p)
{
	size_t n = strlen(p);

	CHECK(p[0] == '/');
	CHECK(n < VPATH_MAX);
	CHECK(!strstr(p, "//"));
	CHECK(!strstr(p, "/./") && !strstr(p, "/../"));
	CHECK(!(n >= 2 && strcmp(p + n - 2, "/.") == 0));
	CHECK(!(n >= 3 && strcmp(p + n - 3, "/..") == 0));
	CHECK(n == 1 || p[n - 1] != '/');
}

static void check_split(const char *p, size_t psize)
{
	char *parent = malloc(psize ? psize : 1);
	const char *base = NULL;
	int r;

	CHECK(parent);
	r = path_split(p, parent, psize, &base);
	if (strcmp(p, "/") == 0) {
		CHECK(r == -EINVAL);
	} else if (r == 0) {
		size_t pl = strlen(parent);

		check_normalized(parent);
		CHECK(base && *base && !strchr(base, '/'));
		CHECK(base > p && base[-1] == '/' && strcmp(base, strrchr(p, '/') + 1) == 0);
		if (pl == 1)
			CHECK(base == p + 1);
		else
			CHECK(strncmp(p, parent, pl) == 0 && p + pl + 1 == base);
	} else {
		/* Only a parent too long for its buffer fails. */
		CHECK(r == -ENAMETOOLONG);
		CHECK((size_t)(strrchr(p, '/') - p) >= psize || psize == 0 || psize == 1);
	}
	free(parent);
}

static void check_quote(const char *p, size_t qsize)
{
	char *q = malloc(qsize ? qsize : 1);
	size_t need = strlen(p) + 1;
	int r;

	CHECK(q);
	for (const char *c = p; *c; c++)
		need += *c == '"';
	r = path_quote(p, q, qsize);
	if (need <= qsize) {
		size_t k = 0;

		CHECK(r >= 0 && (size_t)r == need - 1 && strlen(q) == (size_t)r);
		/* Undouble and compare. */
		for (int i = 0; i < r; i++) {
			CHECK(q[i] == p[k]);
			if (q[i] == '"') {
				CHECK(q[i + 1] == '"');
				i++;
			}
			k++;
		}
		CHECK(p[k] == '\0');
	} else {
		CHECK(r == -ENOSPC);
	}
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *seed, *arg, *out, *again, *ref;
	char cwd[VPATH_MAX];
	size_t osize;
	uint8_t sel;
	int r;

	if (size < 1)
		return 0;
	sel = data[0];
	/* Sizes: 0-63, near VPATH_MAX, or VPATH_MAX itself. */
	if (sel < 0x40)
		osize = sel;
	else if (sel < 0x80)
		osize = VPATH_MAX - (sel & 0x3f);
	else
		osize = VPATH_MAX;
	copy = malloc(size + 1);
	CHECK(copy);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	copy[size] = '\0';
	seed = copy;
	arg = copy + strlen(copy) + 1;
	if (arg > copy + size - 1)
		arg = copy + size - 1;   /* no NUL: empty argument */

	if (path_resolve("/", seed, cwd, sizeof(cwd)) < 0)
		memcpy(cwd, "/", 2);
	check_normalized(cwd);

	out = malloc(osize ? osize : 1);
	again = malloc(VPATH_MAX);
	CHECK(out && again);
	r = path_resolve(cwd, arg, out, osize);
	CHECK(r == 0 || r == -ENAMETOOLONG);
	if (strlen(cwd) + 1 + strlen(arg) + 1 < osize)
		CHECK(r == 0);
	if (r == 0) {
		CHECK(osize >= 2 && strlen(out) < osize);
		check_normalized(out);
		ref = ref_resolve(cwd, arg);
		CHECK(strcmp(out, ref) == 0);
		free(ref);
		/* Idempotent, and absolute whatever the cwd. */
		CHECK(path_resolve("/", out, again, VPATH_MAX) == 0 && strcmp(again, out) == 0);
		CHECK(path_resolve(cwd, out, again, VPATH_MAX) == 0 && strcmp(again, out) == 0);
		CHECK(path_resolve(out, ".", again, VPATH_MAX) == 0 && strcmp(again, out) == 0);
		{
			const char *rel = path_beneath_root(out);

			CHECK(rel[0] != '/' && rel[0] != '\0');
			CHECK(strcmp(out, "/") == 0 ? strcmp(rel, ".") == 0 : rel == out + 1);
		}
		check_split(out, osize);
		check_split(out, VPATH_MAX);
		check_quote(out, osize);
		check_quote(out, 2 * VPATH_MAX);
	}
	check_quote(arg, osize);
	free(out);
	free(again);
	free(copy);
	return 0;
}
