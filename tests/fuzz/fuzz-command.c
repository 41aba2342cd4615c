/* SPDX-License-Identifier: ISC */
/* Fuzz target: command_parse() (src/command.c), a command line (CRLF
 * already removed) split into verb and argument.
 *
 * It is called twice: on an exact-size copy of the input with its length
 * (no terminator: ASan reports any read past the end), and on a
 * NUL-terminated copy with strlen() as the length, as session.c calls it.
 * Checks:
 *   - the result is one of the enum values, and the same one a reference
 *     classification gives (verb of 3-4 letters then a space or the end;
 *     NUL anywhere, then control bytes, then UTF-8 in the argument);
 *   - on COMMAND_OK: name is the verb upper-cased and NUL-terminated; verb
 *     is the table entry of that name (or VERB_UNKNOWN when none);
 *     arg points into the line, right after the one separating space, and
 *     ends exactly at the end of the line; has_arg == (arg_len > 0);
 *   - verb_name() of any value (even out of range) is a string;
 *   - both calls agree when the input has no NUL byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "fuzz.h"

/* Well-formed UTF-8 after the Unicode standard's table 3-7. */
static int ref_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		uint8_t lo = 0x80, hi = 0xbf;
		size_t need;

		if (c <= 0x7f) { i++; continue; }
		if (c >= 0xc2 && c <= 0xdf) need = 1;
		else if (c == 0xe0) { need = 2; lo = 0xa0; }
		else if (c >= 0xe1 && c <= 0xec) need = 2;
		else if (c == 0xed) { need = 2; hi = 0x9f; }
		else if (c >= 0xee && c <= 0xef) need = 2;
		else if (c == 0xf0) { need = 3; lo = 0x90; }
		else if (c >= 0xf1 && c <= 0xf3) need = 3;
		else if (c == 0xf4) { need = 3; hi = 0x8f; }
		else return 0;
		if (n - i < need + 1)
			return 0;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return 0;
		i += need + 1;
	}
	return 1;
}

static int is_letter(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static enum command_error reference(const uint8_t *line, size_t len, size_t *ret_arg)
{
	size_t i = 0, a;

	while (i < len && i < 4 && is_letter(line[i]))
		i++;
	if (i < 3 || (i < len && line[i] != ' '))
		return memchr(line, 0, len) ? COMMAND_NUL : COMMAND_BAD_VERB;
	a = i < len ? i + 1 : i;
	*ret_arg = a;
	if (memchr(line + a, 0, len - a))
		return COMMAND_NUL;
	for (size_t k = a; k < len; k++)
		if (line[k] < 0x20 || line[k] == 0x7f)
			return COMMAND_CONTROL;
	return ref_utf8(line + a, len - a) ? COMMAND_OK : COMMAND_NOT_UTF8;
}

static void check_one(const char *line, size_t len, struct command *c)
{
	size_t ref_arg = 0;
	enum command_error e = command_parse(line, len, c);

	CHECK(e == COMMAND_OK || e == COMMAND_BAD_VERB || e == COMMAND_NUL ||
	      e == COMMAND_CONTROL || e == COMMAND_NOT_UTF8);
	CHECK(e == reference((const uint8_t *)line, len, &ref_arg));
	if (e != COMMAND_OK)
		return;

	{
		size_t nlen = strnlen(c->name, sizeof(c->name));

		CHECK(nlen == 3 || nlen == 4);
		for (size_t i = 0; i < nlen; i++)
			CHECK(c->name[i] >= 'A' && c->name[i] <= 'Z' &&
			      (c->name[i] | 0x20) == (line[i] | 0x20));
	}
	CHECK((unsigned)c->verb < VERB_COUNT);
	if (c->verb == VERB_UNKNOWN) {
		for (int v = 1; v < VERB_COUNT; v++)
			CHECK(strcmp(verb_name((enum verb)v), c->name) != 0);
	} else {
		CHECK(strcmp(verb_name(c->verb), c->name) == 0);
	}
	CHECK(c->arg == line + ref_arg);
	CHECK(c->arg + c->arg_len == line + len);
	CHECK(c->has_arg == (c->arg_len > 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct command a, b;
	char *exact = malloc(size ? size : 1), *term = malloc(size + 1);

	CHECK(exact && term);
	memcpy(exact, data, size);
	memcpy(term, data, size);
	term[size] = '\0';

	check_one(exact, size, &a);
	check_one(term, strlen(term), &b);
	if (!memchr(data, 0, size)) {
		enum command_error ea = command_parse(exact, size, &a);
		enum command_error eb = command_parse(term, size, &b);

		CHECK(ea == eb);
		CHECK(a.verb == b.verb && memcmp(a.name, b.name, sizeof(a.name)) == 0);
		if (ea == COMMAND_OK)
			CHECK(a.arg - exact == b.arg - term && a.arg_len == b.arg_len);
	}
	/* Any value, even a wrong one, names a string. */
	CHECK(verb_name((enum verb)(size % (VERB_COUNT + 3))) != NULL);
	free(exact);
	free(term);
	return 0;
}
