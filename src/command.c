/* SPDX-License-Identifier: ISC */
#include <string.h>
#include <stdbool.h>
#include <strings.h>

#include "command.h"
#include "util.h"
#include "banned.h"

static const char *const verb_names[VERB_COUNT] = {
	[VERB_UNKNOWN] = "",
#define X(name) [VERB_##name] = #name,
	COMMAND_VERBS(X)
#undef X
};

const char *verb_name(enum verb verb)
{
	if ((unsigned)verb >= VERB_COUNT)
		return "";
	return verb_names[verb];
}

static enum verb verb_lookup(const char *name)
{
	for (int v = 1; v < VERB_COUNT; v++)
		if (strcmp(verb_names[v], name) == 0)
			return (enum verb)v;
	return VERB_UNKNOWN;
}

static int is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool starts_with_ci(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && strncasecmp(p, prefix, n) == 0;
}

enum foreign_protocol command_foreign_protocol(const char *line, size_t len)
{
	size_t method = 0;

	/* HTTP: METHOD SP target SP "HTTP/" — the method upper-case letters. */
	while (method < len && line[method] >= 'A' && line[method] <= 'Z')
		method++;
	if (method > 0 && method < len && line[method] == ' ') {
		const char *sp = memchr(line + method + 1, ' ', len - method - 1);

		if (sp && starts_with_ci(sp + 1, (size_t)(line + len - sp - 1), "HTTP/"))
			return FOREIGN_HTTP;
	}
	if (starts_with_ci(line, len, "EHLO ") || starts_with_ci(line, len, "HELO ") ||
	    starts_with_ci(line, len, "MAIL FROM:") || starts_with_ci(line, len, "RCPT TO:"))
		return FOREIGN_SMTP;
	return FOREIGN_NONE;
}

enum command_error command_parse(const char *line, size_t len, struct command *ret)
{
	size_t i = 0;

	memset(ret, 0, sizeof(*ret));
	ret->arg = "";
	while (i < len && i < 4 && is_letter(line[i])) {
		ret->name[i] = (char)(line[i] & ~0x20);   /* ASCII upper case */
		i++;
	}
	if (i < 3 || (i < len && line[i] != ' '))
		return memchr(line, '\0', len) ? COMMAND_NUL : COMMAND_BAD_VERB;
	ret->verb = verb_lookup(ret->name);

	/* RFC 959: exactly one space; further ones belong to the argument,
	 * because a file name may begin with a space. */
	if (i < len)
		i++;
	ret->arg = line + i;
	ret->arg_len = len - i;
	ret->has_arg = ret->arg_len > 0;
	if (memchr(ret->arg, '\0', ret->arg_len))
		return COMMAND_NUL;
	for (size_t k = 0; k < ret->arg_len; k++)
		if ((unsigned char)ret->arg[k] < 0x20 || ret->arg[k] == 0x7f)
			return COMMAND_CONTROL;
	if (!utf8_valid(ret->arg, ret->arg_len))
		return COMMAND_NOT_UTF8;
	return COMMAND_OK;
}
