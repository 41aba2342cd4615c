/* SPDX-License-Identifier: ISC */
/* command_parse: a line (CRLF removed) split into verb and argument. */
#include <string.h>

#include "tap.h"
#include "command.h"

/* A string literal as bytes and length (it may hold NUL). */
#define S(x) x, sizeof(x) - 1

static const struct {
	const char *line;
	size_t len;
	enum command_error want;
	/* For COMMAND_OK only: */
	enum verb verb;
	const char *name;
	const char *arg;
	int has_arg;
} cases[] = {
	/* Verbs: case-insensitive, 3 or 4 letters. */
	{ S("USER alice"),        COMMAND_OK, VERB_USER, "USER", "alice", 1 },
	{ S("user alice"),        COMMAND_OK, VERB_USER, "USER", "alice", 1 },
	{ S("uSeR alice"),        COMMAND_OK, VERB_USER, "USER", "alice", 1 },
	{ S("QUIT"),              COMMAND_OK, VERB_QUIT, "QUIT", "", 0 },
	{ S("quit"),              COMMAND_OK, VERB_QUIT, "QUIT", "", 0 },
	{ S("PWD"),               COMMAND_OK, VERB_PWD,  "PWD",  "", 0 },
	{ S("pwd"),               COMMAND_OK, VERB_PWD,  "PWD",  "", 0 },
	{ S("CCC"),               COMMAND_OK, VERB_CCC,  "CCC",  "", 0 },
	{ S("MKD x"),             COMMAND_OK, VERB_MKD,  "MKD",  "x", 1 },
	{ S("XyZw"),              COMMAND_OK, VERB_UNKNOWN, "XYZW", "", 0 },
	{ S("abc def"),           COMMAND_OK, VERB_UNKNOWN, "ABC", "def", 1 },
	{ S("SITE CHMOD 777 x"),  COMMAND_OK, VERB_UNKNOWN, "SITE", "CHMOD 777 x", 1 },

	/* One space separates; any further spaces belong to the argument. */
	{ S("CWD /a b"),          COMMAND_OK, VERB_CWD,  "CWD",  "/a b", 1 },
	{ S("CWD  x"),            COMMAND_OK, VERB_CWD,  "CWD",  " x", 1 },
	{ S("RETR  "),            COMMAND_OK, VERB_RETR, "RETR", " ", 1 },
	{ S("RETR x "),           COMMAND_OK, VERB_RETR, "RETR", "x ", 1 },
	{ S("CWD "),              COMMAND_OK, VERB_CWD,  "CWD",  "", 0 },
	{ S("NOOP x y"),          COMMAND_OK, VERB_NOOP, "NOOP", "x y", 1 },
	{ "USER alice", 4,        COMMAND_OK, VERB_USER, "USER", "", 0 },   /* len, not strlen */
	{ "USER alice", 7,        COMMAND_OK, VERB_USER, "USER", "al", 1 },

	/* Not a verb. */
	{ S(""),                  COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("R"),                 COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("RE"),                COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("RE x"),              COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("RETRX"),             COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("RETRX foo"),         COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("12AB"),              COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("RE1R"),              COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("PW_"),               COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S(" USER a"),           COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("US ER"),             COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("USER\ta"),           COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("PWD\r"),             COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("\xc3\xa9TR x"),      COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("RET\xc3\xa9"),       COMMAND_BAD_VERB, 0, NULL, NULL, 0 },
	{ S("\xff\xf4" "ABOR"),   COMMAND_BAD_VERB, 0, NULL, NULL, 0 },

	/* NUL anywhere. */
	{ S("RETR a\0b"),         COMMAND_NUL, 0, NULL, NULL, 0 },
	{ S("RETR \0"),           COMMAND_NUL, 0, NULL, NULL, 0 },
	{ S("RETR\0"),            COMMAND_NUL, 0, NULL, NULL, 0 },
	{ S("RE\0TR"),            COMMAND_NUL, 0, NULL, NULL, 0 },
	{ S("\0"),                COMMAND_NUL, 0, NULL, NULL, 0 },
	{ S("RETR a\rb\0"),       COMMAND_NUL, 0, NULL, NULL, 0 },   /* NUL wins */

	/* Control characters in the argument. */
	{ S("RETR a\rb"),         COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR a\r"),          COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR a\nb"),         COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR a\tb"),         COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR a\x7f"),        COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR \x1b[31m"),     COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR \x01"),         COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR \x1f"),         COMMAND_CONTROL, 0, NULL, NULL, 0 },
	{ S("RETR \xc3\xa9\n"),   COMMAND_CONTROL, 0, NULL, NULL, 0 },

	/* Not UTF-8. */
	{ S("RETR \xc0\x80"),     COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* overlong NUL */
	{ S("RETR \xc1\xbf"),     COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* overlong 2-byte */
	{ S("RETR \xc0\xaf"),     COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* overlong '/' */
	{ S("RETR \xe0\x80\xaf"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* overlong '/' */
	{ S("RETR \xe0\x9f\xbf"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* overlong U+07FF */
	{ S("RETR \xf0\x80\x80\xaf"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 }, /* overlong '/' */
	{ S("RETR \xf0\x8f\xbf\xbf"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 }, /* overlong U+FFFF */
	{ S("RETR \xed\xa0\x80"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* U+D800 */
	{ S("RETR \xed\xbf\xbf"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* U+DFFF */
	{ S("RETR \xed\xa0\xbd\xed\xb8\x80"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 }, /* CESU pair */
	{ S("RETR \xf4\x90\x80\x80"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 }, /* U+110000 */
	{ S("RETR \xf5\x80\x80\x80"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \xf8\x88\x80\x80\x80"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 }, /* 5 bytes */
	{ S("RETR \xfe"),         COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \xff"),         COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \x80"),         COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* lone continuation */
	{ S("RETR a\xbf" "b"),    COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \xc3"),         COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* truncated at end */
	{ S("RETR \xc3 "),        COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* truncated by space */
	{ S("RETR \xe2\x82"),     COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \xe2\x82x"),    COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \xf0\x9f\x98"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ S("RETR \xe2\x28\xa1"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* bad continuation */
	{ S("RETR \xc3\xc3\xa9"), COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },
	{ "RETR \xc3\xa9", 6,     COMMAND_NOT_UTF8, 0, NULL, NULL, 0 },   /* cut by len */

	/* Valid UTF-8, including the boundaries of each length. */
	{ S("RETR \xc3\xa9t\xc3\xa9"), COMMAND_OK, VERB_RETR, "RETR", "\xc3\xa9t\xc3\xa9", 1 },
	{ S("RETR \xc2\xa0"),     COMMAND_OK, VERB_RETR, "RETR", "\xc2\xa0", 1 },
	{ S("RETR \xdf\xbf"),     COMMAND_OK, VERB_RETR, "RETR", "\xdf\xbf", 1 },        /* U+07FF */
	{ S("RETR \xe0\xa0\x80"), COMMAND_OK, VERB_RETR, "RETR", "\xe0\xa0\x80", 1 },    /* U+0800 */
	{ S("RETR \xe2\x82\xac"), COMMAND_OK, VERB_RETR, "RETR", "\xe2\x82\xac", 1 },    /* euro */
	{ S("RETR \xed\x9f\xbf"), COMMAND_OK, VERB_RETR, "RETR", "\xed\x9f\xbf", 1 },    /* U+D7FF */
	{ S("RETR \xee\x80\x80"), COMMAND_OK, VERB_RETR, "RETR", "\xee\x80\x80", 1 },    /* U+E000 */
	{ S("RETR \xef\xbf\xbf"), COMMAND_OK, VERB_RETR, "RETR", "\xef\xbf\xbf", 1 },    /* U+FFFF */
	{ S("RETR \xf0\x90\x80\x80"), COMMAND_OK, VERB_RETR, "RETR", "\xf0\x90\x80\x80", 1 },
	{ S("RETR \xf0\x9f\x98\x80"), COMMAND_OK, VERB_RETR, "RETR", "\xf0\x9f\x98\x80", 1 },
	{ S("RETR \xf4\x8f\xbf\xbf"), COMMAND_OK, VERB_RETR, "RETR", "\xf4\x8f\xbf\xbf", 1 },
	{ S("CWD \xe6\x97\xa5\xe6\x9c\xac"), COMMAND_OK, VERB_CWD, "CWD", "\xe6\x97\xa5\xe6\x9c\xac", 1 },
	{ S("RETR ~!@#$%^&*()"),  COMMAND_OK, VERB_RETR, "RETR", "~!@#$%^&*()", 1 },
};

static void test_table(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct command c;
		enum command_error r;

		/* Garbage first: every field must be set by the parser. */
		memset(&c, 0x55, sizeof(c));
		r = command_parse(cases[i].line, cases[i].len, &c);
		is_int(r, cases[i].want, "'%.*s' (%zu bytes): result", (int)cases[i].len,
		       cases[i].line, cases[i].len);
		if (cases[i].want != COMMAND_OK || r != COMMAND_OK)
			continue;
		ok(c.verb == cases[i].verb && strcmp(c.name, cases[i].name) == 0,
		   "'%.*s': verb %s, name %s", (int)cases[i].len, cases[i].line,
		   verb_name(cases[i].verb), cases[i].name);
		is_mem(c.arg, c.arg_len, cases[i].arg, strlen(cases[i].arg), "'%.*s': argument",
		       (int)cases[i].len, cases[i].line);
		is_int(c.has_arg, cases[i].has_arg, "'%.*s': has_arg", (int)cases[i].len,
		       cases[i].line);
		/* The argument points into the line, after the verb and one space. */
		ok(c.arg_len == 0 || c.arg == cases[i].line + cases[i].len - c.arg_len,
		   "'%.*s': argument points into the line", (int)cases[i].len, cases[i].line);
	}
}

/* Every known verb parses to itself, in upper and lower case, and
 * verb_name gives its canonical name back. */
static void test_all_verbs(void)
{
	for (int v = 1; v < VERB_COUNT; v++) {
		const char *name = verb_name((enum verb)v);
		char lower[8], line[16];
		struct command c1, c2;
		size_t n = strlen(name);
		int r1, r2;

		for (size_t k = 0; k <= n; k++)
			lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		snprintf(line, sizeof(line), "%s x", lower);
		r1 = command_parse(name, n, &c1);
		r2 = command_parse(line, strlen(line), &c2);
		ok(n >= 3 && n <= 4 && r1 == COMMAND_OK && c1.verb == (enum verb)v &&
		   strcmp(c1.name, name) == 0 && !c1.has_arg && r2 == COMMAND_OK &&
		   c2.verb == (enum verb)v && strcmp(c2.name, name) == 0 && c2.has_arg,
		   "verb %s and '%s' parse to verb %d", name, line, v);
	}
	is_str(verb_name(VERB_UNKNOWN), "", "verb_name(VERB_UNKNOWN)");
	is_str(verb_name(VERB_COUNT), "", "verb_name(VERB_COUNT)");
	is_str(verb_name((enum verb)-1), "", "verb_name(-1)");
	is_str(verb_name(VERB_RETR), "RETR", "verb_name(VERB_RETR)");
	is_str(verb_name(VERB_CCC), "CCC", "verb_name(VERB_CCC)");
}

/* A control byte or non-UTF-8 byte anywhere in a long argument is found. */
static void test_long_argument(void)
{
	static char line[4096];
	struct command c;

	memcpy(line, "STOR ", 5);
	memset(line + 5, 'a', sizeof(line) - 5);
	is_int(command_parse(line, sizeof(line), &c), COMMAND_OK, "4096-byte line");
	is_int(c.arg_len, sizeof(line) - 5, "4096-byte line: argument length");
	line[sizeof(line) - 1] = '\r';
	is_int(command_parse(line, sizeof(line), &c), COMMAND_CONTROL, "CR as the last byte");
	line[sizeof(line) - 1] = '\xc3';
	is_int(command_parse(line, sizeof(line), &c), COMMAND_NOT_UTF8,
	       "truncated UTF-8 as the last byte");
	line[sizeof(line) - 1] = 'a';
	line[2000] = '\0';
	is_int(command_parse(line, sizeof(line), &c), COMMAND_NUL, "NUL in the middle");
}

#define L(s) s, sizeof(s) - 1

static const struct {
	const char *line;
	size_t len;
	enum foreign_protocol want;
} foreign_cases[] = {
	{ L("GET / HTTP/1.1"),                   FOREIGN_HTTP },
	{ L("POST /login HTTP/1.0"),             FOREIGN_HTTP },
	{ L("PRI * HTTP/2.0"),                   FOREIGN_HTTP },
	{ L("OPTIONS * http/1.1"),               FOREIGN_HTTP },   /* version case-insensitive */
	{ L("CONNECT a.example:443 HTTP/1.1"),   FOREIGN_HTTP },
	{ L("EHLO mail.example"),                FOREIGN_SMTP },
	{ L("helo x"),                           FOREIGN_SMTP },
	{ L("MAIL FROM:<a@b>"),                  FOREIGN_SMTP },
	{ L("RCPT TO:<a@b>"),                    FOREIGN_SMTP },
	/* FTP, including names that merely contain the words. */
	{ L("USER alice"),                       FOREIGN_NONE },
	{ L("RETR HTTP/1.1"),                    FOREIGN_NONE },   /* no target between */
	/* Looks like HTTP; only the first line is checked, and no session
	 * can begin with STOR, so this costs nobody anything. */
	{ L("STOR a HTTP/1.1.txt"),              FOREIGN_HTTP },
	{ L("get / HTTP/1.1"),                   FOREIGN_NONE },   /* methods are upper case */
	{ L("MAIL"),                             FOREIGN_NONE },
	{ L("EHLO"),                             FOREIGN_NONE },
	{ L("GET /"),                            FOREIGN_NONE },
	{ L(""),                                 FOREIGN_NONE },
	{ "GET / HTTP/1.1", 5,                   FOREIGN_NONE },   /* len, not strlen */
};

static void test_foreign(void)
{
	for (size_t i = 0; i < ELEMENTSOF(foreign_cases); i++)
		is_int(command_foreign_protocol(foreign_cases[i].line, foreign_cases[i].len),
		       foreign_cases[i].want, "foreign protocol: \"%.*s\"", (int)foreign_cases[i].len,
		       foreign_cases[i].line);
}

int main(void)
{
	test_foreign();
	test_table();
	test_all_verbs();
	test_long_argument();
	return done_testing();
}
