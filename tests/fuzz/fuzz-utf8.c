/* SPDX-License-Identifier: ISC */
/* Fuzz target: utf8_valid() (src/util.c), which decides whether a command
 * argument is UTF-8 (RFC 2640) before any handler sees it.
 *
 * The input is the byte string, given exact-size (ASan sees a read past
 * the end) with its length. Checks:
 *   - the answer equals a reference decoder written from the Unicode
 *     standard's table 3-7 of well-formed byte sequences (no overlongs, no
 *     surrogates, nothing above U+10FFFF, no truncated sequence);
 *   - every prefix that ends on a character boundary of a valid string is
 *     valid, and a valid string with its last byte cut off is valid only
 *     if that byte was ASCII;
 *   - a NUL byte is valid UTF-8 here (command_parse rejects NUL first). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "fuzz.h"

/* The length of the well-formed sequence at p[0..n), 0 if none (table 3-7). */
static size_t ref_char(const uint8_t *p, size_t n)
{
	static const struct { uint8_t lo0, hi0, lo1, hi1; uint8_t len; } rows[] = {
		{ 0x00, 0x7f, 0, 0, 1 },
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (p[0] < rows[i].lo0 || p[0] > rows[i].hi0)
			continue;
		if (rows[i].len == 1)
			return 1;
		if (n < rows[i].len || p[1] < rows[i].lo1 || p[1] > rows[i].hi1)
			return 0;
		for (size_t k = 2; k < rows[i].len; k++)
			if (p[k] < 0x80 || p[k] > 0xbf)
				return 0;
		return rows[i].len;
	}
	return 0;
}

static bool ref_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k = ref_char(p + i, n - i);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	bool v;

	CHECK(copy);
	memcpy(copy, data, size);
	v = utf8_valid(copy, size);
	CHECK(v == ref_valid(data, size));
	if (v) {
		/* Prefixes at character boundaries are valid too. */
		size_t i = 0;

		while (i < size) {
			i += ref_char(data + i, size - i);
			CHECK(utf8_valid(copy, i));
		}
		if (size > 0)
			CHECK(utf8_valid(copy, size - 1) == (data[size - 1] < 0x80));
	}
	CHECK(utf8_valid(copy, 0));
	free(copy);
	return 0;
}
