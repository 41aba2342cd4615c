/* SPDX-License-Identifier: ISC */
/* Fuzz target: wildcard_match() and has_wildcard() (src/listing.c), the
 * '*' and '?' patterns of LIST/NLST/STAT.
 *
 * Input: "pattern NUL name". Checks:
 *   - on short inputs (pattern <= 64, name <= 256 bytes) the result equals
 *     a dynamic-programming reference matcher ('*' any run of bytes, '?'
 *     one byte, anything else itself);
 *   - on any input it returns (libFuzzer's -timeout catches exponential
 *     backtracking; patterns are at most 255 bytes in cmd_list.c, names at
 *     most 255, and both limits are exceeded here);
 *   - has_wildcard() is true exactly when the pattern holds '*' or '?';
 *   - a pattern without wildcards matches exactly its own text, and "*"
 *     matches everything. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "fuzz.h"

/* m[i][j]: pattern[i..] matches name[j..]. */
static bool ref_match(const char *p, const char *n)
{
	size_t pl = strlen(p), nl = strlen(n);
	bool *m = calloc((pl + 1) * (nl + 1), sizeof(bool)), r;

	CHECK(m);
#define M(i, j) m[(i) * (nl + 1) + (j)]
	M(pl, nl) = true;
	for (size_t i = pl; i-- > 0;)
		for (size_t j = nl + 1; j-- > 0;) {
			if (p[i] == '*')
				M(i, j) = M(i + 1, j) || (j < nl && M(i, j + 1));
			else
				M(i, j) = j < nl && (p[i] == '?' || p[i] == n[j]) && M(i + 1, j + 1);
		}
	r = M(0, 0);
#undef M
	free(m);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 2), *pattern, *name;
	bool r;

	CHECK(copy);
	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = '\0';
	pattern = copy;
	name = copy + strlen(copy) + 1;

	r = wildcard_match(pattern, name);
	CHECK(has_wildcard(pattern) == (strchr(pattern, '*') || strchr(pattern, '?')));
	if (strlen(pattern) <= 64 && strlen(name) <= 256)
		CHECK(r == ref_match(pattern, name));
	if (!has_wildcard(pattern))
		CHECK(r == (strcmp(pattern, name) == 0));
	CHECK(wildcard_match("*", name));
	CHECK(wildcard_match(name, name) || has_wildcard(name));
	free(copy);
	return 0;
}
