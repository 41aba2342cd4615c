/* SPDX-License-Identifier: ISC */
/* Fuzz target: journal_format() (src/journal.c), the journal's native
 * protocol, which carries client-chosen text (user names, commands,
 * paths) in its field values.
 *
 * Input: a size byte pair, then "name NUL value NUL name NUL value ...".
 * Names are mapped onto [A-Z0-9_] (callers use constant upper-case
 * names); values are any bytes but NUL ("\xff\xfe" stands for a NULL
 * value). The output buffer is an exact-size heap buffer whose size is
 * taken from the input, around the size the record needs. Checks:
 *   - the result is the needed length when it fits, -ENOSPC when not;
 *   - parsing the output back gives every field in order: "NAME=value\n"
 *     for a value without LF, "NAME\n" + 64-bit little-endian length +
 *     value + "\n" for one with LF; a NULL value reads back as "". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

#define MAXF 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char charset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	struct journal_field f[MAXF];
	char *copy, *p, *end, *buf;
	size_t n = 0, need = 0, bsize, off = 0;
	unsigned sel;
	long r;

	if (size < 2)
		return 0;
	sel = (unsigned)data[0] << 8 | data[1];
	copy = malloc(size - 2 + 1);
	CHECK(copy);
	memcpy(copy, data + 2, size - 2);
	copy[size - 2] = '\0';
	end = copy + (size - 2);
	for (p = copy; p < end && n < MAXF;) {
		char *name = p, *value;

		p += strlen(p) + 1;
		value = p <= end ? p : end;
		p = value + strlen(value) + 1;
		if (!*name)
			name = (char *)"X";   /* never written to */
		else
			for (char *c = name; *c; c++)
				*c = charset[(unsigned char)*c % (sizeof(charset) - 1)];
		f[n].name = name;
		f[n].value = strcmp(value, "\xff\xfe") == 0 ? NULL : value;
		{
			size_t vl = f[n].value ? strlen(f[n].value) : 0;

			need += strlen(name) + 1 + vl + 1;
			if (f[n].value && strchr(f[n].value, '\n'))
				need += 8;
		}
		n++;
	}
	/* Around the needed size: less, exactly, or more. */
	bsize = need + 8 >= sel % 64 ? need + 8 - sel % 64 : 0;
	if (sel & 0x8000)
		bsize = sel % (need + 1);
	buf = malloc(bsize ? bsize : 1);
	CHECK(buf);
	r = journal_format(buf, bsize, f, n);
	if (need > bsize) {
		CHECK(r == -ENOSPC);
		goto out;
	}
	CHECK(r == (long)need);
	for (size_t i = 0; i < n; i++) {
		const char *v = f[i].value ? f[i].value : "";
		size_t nl = strlen(f[i].name), vl = strlen(v);

		CHECK(off + nl + 1 <= (size_t)r && memcmp(buf + off, f[i].name, nl) == 0);
		off += nl;
		if (buf[off] == '=') {
			const char *lf = memchr(buf + off + 1, '\n', (size_t)r - off - 1);

			CHECK(!strchr(v, '\n') && lf);
			CHECK((size_t)(lf - (buf + off + 1)) == vl && memcmp(buf + off + 1, v, vl) == 0);
			off = (size_t)(lf - buf) + 1;
		} else {
			uint64_t len = 0;

			CHECK(buf[off] == '\n' && strchr(v, '\n'));
			off++;
			CHECK(off + 8 <= (size_t)r);
			for (int k = 7; k >= 0; k--)
				len = len << 8 | (unsigned char)buf[off + k];
			off += 8;
			CHECK(len == vl && off + len + 1 <= (size_t)r);
			CHECK(memcmp(buf + off, v, vl) == 0 && buf[off + vl] == '\n');
			off += vl + 1;
		}
	}
	CHECK(off == (size_t)r);
out:
	free(buf);
	free(copy);
	return 0;
}
