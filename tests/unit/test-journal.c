/* SPDX-License-Identifier: ISC */
/* The journal's native format, as journal_format() writes it. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "journal.h"

struct format_case {
	const char *what;
	struct journal_field fields[3];
	size_t n;
	const char *want;       /* expected bytes */
	size_t want_len;
};

#define BIN(s) s, sizeof(s) - 1

static const struct format_case cases[] = {
	{ "one plain field", { { "MESSAGE", "hello" } }, 1, BIN("MESSAGE=hello\n") },
	{ "several fields in order", { { "MESSAGE", "m" }, { "PRIORITY", "6" }, { "FTP_USER", "-" } }, 3,
	  BIN("MESSAGE=m\nPRIORITY=6\nFTP_USER=-\n") },
	{ "empty value", { { "FTP_FILE", "" } }, 1, BIN("FTP_FILE=\n") },
	{ "a newline in the value takes the binary form",
	  { { "MESSAGE", "a\nb" } }, 1, BIN("MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\n") },
	{ "'=' inside a value is data", { { "FTP_COMMAND", "SITE a=b" } }, 1, BIN("FTP_COMMAND=SITE a=b\n") },
	{ "NULL value is empty", { { "FTP_USER", NULL } }, 1, BIN("FTP_USER=\n") },
};

int main(void)
{
	char buf[256];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct format_case *c = &cases[i];
		long n = journal_format(buf, sizeof(buf), c->fields, c->n);

		is_mem(buf, n < 0 ? 0 : (size_t)n, c->want, c->want_len, "%s", c->what);
	}

	{
		struct journal_field f = { "MESSAGE", "0123456789" };

		is_int(journal_format(buf, 10, &f, 1), -ENOSPC, "a record that does not fit is -ENOSPC");
		is_int(journal_format(buf, 19, &f, 1), 19, "exactly fitting record");
	}
	is_int(journal_send(&(struct journal_field){ "MESSAGE", "x" }, 1), -ENOTCONN,
	       "sending before journal_open() is -ENOTCONN");
	is_int(journal_open("/nonexistent/journal/socket"), -ENOENT, "connecting to a missing socket is -ENOENT");
	return done_testing();
}
