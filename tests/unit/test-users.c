/* SPDX-License-Identifier: ISC */
/* The users file: lines, look-ups, checks, and password hashes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "bounds.h"
#include "users.h"

/* A string literal as bytes and length (it may hold NUL). */
#define S(x) x, sizeof(x) - 1

/* Hashes of "secret":
 *   openssl passwd -6 -salt abc secret
 *   crypt_rn("secret", crypt_gensalt_rn("$y$", 0, ...))   (yescrypt, default cost)
 *   crypt_rn("secret", crypt_gensalt_rn("$2b$", 5, ...))  (bcrypt)
 *   crypt("secret", "ab")                                 (traditional DES) */
#define SHA512_SECRET "$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1"
#define YESCRYPT_SECRET "$y$j9T$.oK93tuI/5Ex9TuEwRAcB0$8PY8YB9VQt0D5wpKvb7K.IJVtqpdh4d1rzuU/r.LUR7"
#define BCRYPT_SECRET "$2b$05$wSbxQmrQMSuNoO1.dVX67u8845AIRAvWKjYfIeUPFwJDZ5rzQaDEi"
#define DES_SECRET "abNANd1rDfiNc"

#define WHY_FORM "expected name:hash"
#define WHY_NAME "bad user name"
#define WHY_HASH "expected a crypt(3) hash such as $y$..., $6$... or $2b$..., or ! to lock"
#define WHY_HOME "home must be an absolute path beneath FTPSD_ROOT"
#define WHY_NUL "NUL byte in line"
#define WHY_OPTION_B "option \"b\": unknown option; known: read-only, write, upload-only, " \
	"cert-only, umask=, rate-down=, rate-up=, quota-bytes=, quota-files=, from="
#define WHY_RO_WRITE "options read-only and write contradict each other"

static const struct {
	const char *line;
	size_t len;
	int want;
	const char *name, *hash, *home;   /* for 0 */
	const char *why;                  /* for -EINVAL */
} parse_cases[] = {
	/* Ignored lines. */
	{ S(""),                            1, NULL, NULL, NULL, NULL },
	{ S("#"),                           1, NULL, NULL, NULL, NULL },
	{ S("# comment"),                   1, NULL, NULL, NULL, NULL },
	{ S("#alice:$6$abc$xyz"),           1, NULL, NULL, NULL, NULL },
	/* Entries. */
	{ S("alice:$6$abc$xyz"),            0, "alice", "$6$abc$xyz", "", NULL },
	{ S("alice:$6$abc$xyz:/home/alice"), 0, "alice", "$6$abc$xyz", "/home/alice", NULL },
	{ S("alice:$6$abc$xyz:/"),          0, "alice", "$6$abc$xyz", "/", NULL },
	{ S("alice:$6$abc$xyz:"),           0, "alice", "$6$abc$xyz", "", NULL },
	{ S("bob:" YESCRYPT_SECRET),        0, "bob", YESCRYPT_SECRET, "", NULL },
	{ S("bob:" BCRYPT_SECRET ":/b c"),  0, "bob", BCRYPT_SECRET, "/b c", NULL },
	{ S("jos\xc3\xa9:$6$x:/j"),         0, "jos\xc3\xa9", "$6$x", "/j", NULL },
	{ S("a.b-c_d@e:$6$x"),              0, "a.b-c_d@e", "$6$x", "", NULL },
	{ "alice:$6$x:/home", 10,           0, "alice", "$6$x", "", NULL },   /* len, not strlen */
	/* Malformed. */
	{ S("alice"),                       -EINVAL, NULL, NULL, NULL, WHY_FORM },
	{ S("  "),                          1, NULL, NULL, NULL, NULL },   /* blank */
	{ S(" \t "),                        1, NULL, NULL, NULL, NULL },
	{ S(" # indented comment"),         -EINVAL, NULL, NULL, NULL, WHY_FORM },
	{ S("alice:"),                      -EINVAL, NULL, NULL, NULL, WHY_HASH },
	{ S("alice:x"),                     -EINVAL, NULL, NULL, NULL, WHY_HASH },
	{ S("alice:secret"),                -EINVAL, NULL, NULL, NULL, WHY_HASH },
	/* Locked, as in shadow(5): valid entries that never match. */
	{ S("alice:*"),                     0, "alice", "*", "", NULL },
	{ S("alice:!$6$abc$xyz"),           0, "alice", "!$6$abc$xyz", "", NULL },
	{ S("alice:!"),                     0, "alice", "!", "", NULL },
	{ S("alice:" DES_SECRET),           -EINVAL, NULL, NULL, NULL, WHY_HASH },
	{ S("alice::/home"),                -EINVAL, NULL, NULL, NULL, WHY_HASH },
	{ S("alice: $6$x"),                 -EINVAL, NULL, NULL, NULL, WHY_HASH },
	{ S(":$6$x"),                       -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S("al ice:$6$x"),                 -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S(" alice:$6$x"),                 -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S("alice :$6$x"),                 -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S("al\tice:$6$x"),                -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S("al\x7fice:$6$x"),              -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S("al\rice:$6$x"),                -EINVAL, NULL, NULL, NULL, WHY_NAME },
	{ S("al\0ice:$6$x"),                -EINVAL, NULL, NULL, NULL, WHY_NUL },
	{ S("alice:$6$x\0"),                -EINVAL, NULL, NULL, NULL, WHY_NUL },
	{ S("alice:$6$x:/h\0me"),           -EINVAL, NULL, NULL, NULL, WHY_NUL },
	{ S("alice:$6$x:home"),             -EINVAL, NULL, NULL, NULL, WHY_HOME },
	{ S("alice:$6$x:home/alice"),       -EINVAL, NULL, NULL, NULL, WHY_HOME },
	{ S("alice:$6$x: /a"),              -EINVAL, NULL, NULL, NULL, WHY_HOME },
	/* The fourth field: options (tests/unit/test-user-options.c has them all). */
	{ S("alice:$6$x:/a:"),              0, "alice", "$6$x", "/a", NULL },
	{ S("alice:$6$x::read-only"),       0, "alice", "$6$x", "", NULL },
	{ S("alice:$6$x:/a:from=2001:db8::/32"), 0, "alice", "$6$x", "/a", NULL },
	{ S("alice:$6$x:/a:b"),             -EINVAL, NULL, NULL, NULL, WHY_OPTION_B },
	{ S("alice:$6$x:/a:read-only,write"), -EINVAL, NULL, NULL, NULL, WHY_RO_WRITE },
	{ S("alice:$6$x:a:read-only"),      -EINVAL, NULL, NULL, NULL, WHY_HOME },
};

static void test_parse(void)
{
	for (size_t i = 0; i < ELEMENTSOF(parse_cases); i++) {
		struct user_entry e;
		const char *why = "(unset)";
		int r;

		memset(&e, 'Z', sizeof(e));
		r = users_parse_line(parse_cases[i].line, parse_cases[i].len, &e, &why);
		is_int(r, parse_cases[i].want, "parse '%.*s' (%zu bytes)", (int)parse_cases[i].len,
		       parse_cases[i].line, parse_cases[i].len);
		if (parse_cases[i].want == 0 && r == 0)
			ok(strcmp(e.name, parse_cases[i].name) == 0 &&
			   strcmp(e.hash, parse_cases[i].hash) == 0 &&
			   strcmp(e.home, parse_cases[i].home) == 0,
			   "parse '%.*s': name '%s' hash '%s' home '%s' (got '%s' '%s' '%s')",
			   (int)parse_cases[i].len, parse_cases[i].line, parse_cases[i].name,
			   parse_cases[i].hash, parse_cases[i].home, e.name, e.hash, e.home);
		if (parse_cases[i].why)
			is_str(why, parse_cases[i].why, "parse '%.*s': why", (int)parse_cases[i].len,
			       parse_cases[i].line);
	}
}

/* Names and hashes at their limits (USER_NAME_MAX, USERS_HASH_MAX). */
static void test_parse_limits(void)
{
	static char line[USERS_LINE_MAX * 8];
	struct user_entry e;
	const char *why = NULL;
	size_t n;

	memset(line, 'n', USER_NAME_MAX - 1);
	n = USER_NAME_MAX - 1;
	memcpy(line + n, ":$6$x", 5);
	is_int(users_parse_line(line, n + 5, &e, &why), 0, "name of USER_NAME_MAX - 1 bytes");
	is_int(strlen(e.name), USER_NAME_MAX - 1, "name of USER_NAME_MAX - 1 bytes: kept whole");
	memset(line, 'n', USER_NAME_MAX);
	n = USER_NAME_MAX;
	memcpy(line + n, ":$6$x", 5);
	is_int(users_parse_line(line, n + 5, &e, &why), -EINVAL, "name of USER_NAME_MAX bytes");
	is_str(why, WHY_NAME, "name of USER_NAME_MAX bytes: why");

	memcpy(line, "h:$", 3);
	memset(line + 3, 'h', USERS_HASH_MAX - 2);   /* hash of USERS_HASH_MAX - 1 */
	n = 3 + USERS_HASH_MAX - 2;
	is_int(users_parse_line(line, n, &e, &why), 0, "hash of USERS_HASH_MAX - 1 bytes");
	is_int(strlen(e.hash), USERS_HASH_MAX - 1, "hash of USERS_HASH_MAX - 1 bytes: kept whole");
	line[n++] = 'h';
	is_int(users_parse_line(line, n, &e, &why), -EINVAL, "hash of USERS_HASH_MAX bytes");
	is_str(why, WHY_HASH, "hash of USERS_HASH_MAX bytes: why");

	memcpy(line, "h:$6$x:/", 8);
	memset(line + 8, 'd', VPATH_MAX - 2);   /* home of VPATH_MAX - 1 */
	n = 8 + VPATH_MAX - 2;
	is_int(users_parse_line(line, n, &e, &why), 0, "home of VPATH_MAX - 1 bytes");
	is_int(strlen(e.home), VPATH_MAX - 1, "home of VPATH_MAX - 1 bytes: kept whole");
	line[n++] = 'd';
	is_int(users_parse_line(line, n, &e, &why), -EINVAL, "home of VPATH_MAX bytes");
	is_str(why, WHY_HOME, "home of VPATH_MAX bytes: why");
}

static char tmpdir[512];

/* Writes content to a new file in tmpdir and returns it open for reading,
 * positioned at its end (look-ups must read from the start anyway). */
static int make_file(const char *name, const char *content, size_t len)
{
	char path[sizeof(tmpdir) + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		abort();
	return fd;
}

/* A line of exactly n bytes for user name with a home padded with 'h'. */
static size_t padded_line(char *buf, const char *name, size_t n)
{
	size_t k = (size_t)snprintf(buf, n + 1, "%s:$6$abc$xyz:/", name);

	memset(buf + k, 'h', n - k);
	buf[n] = '\0';
	return n;
}

static void test_find(void)
{
	static char content[8192];
	size_t len = 0;
	int fd;

	len += (size_t)snprintf(content + len, sizeof(content) - len, "%s",
		"# ftpsd users\r\n"
		"\r\n"
		"bob:$6$bob$hash:/bob\r\n"
		"not a valid line\r\n"
		"alice:" SHA512_SECRET "\r\n"
		"alice:$6$second$ignored:/dup\r\n"
		"mallory:$6$m:/m:raed-only\r\n"   /* a typo: refuses mallory */
		"mallory:$6$m2:/m2\r\n"
		"oscar:$6$o:/o:read-only,umask=027\r\n"
		"eve:$6$");
	memset(content + len, 'x', 2000);   /* a line too long to hold: skipped */
	len += 2000;
	len += (size_t)snprintf(content + len, sizeof(content) - len, "%s",
		"\r\n"
		"carol:" YESCRYPT_SECRET ":/carol");   /* no newline at the end */
	fd = make_file("users", content, len);

	static const struct {
		const char *name;
		int want;
		const char *hash, *home;
	} find_cases[] = {
		{ "alice",   0, SHA512_SECRET, "" },   /* the first entry wins */
		{ "bob",     0, "$6$bob$hash", "/bob" },
		{ "carol",   0, YESCRYPT_SECRET, "/carol" },
		{ "eve",     -ENOENT, NULL, NULL },
		{ "ALICE",   -ENOENT, NULL, NULL },
		{ "ali",     -ENOENT, NULL, NULL },
		{ "alice2",  -ENOENT, NULL, NULL },
		{ "",        -ENOENT, NULL, NULL },
		{ "not a valid line", -ENOENT, NULL, NULL },
		{ "# ftpsd users", -ENOENT, NULL, NULL },
		{ "dave",    -ENOENT, NULL, NULL },
		{ "mallory", -EINVAL, NULL, NULL },   /* not the second line */
		{ "oscar",   0, "$6$o", "/o" },
	};
	for (size_t i = 0; i < ELEMENTSOF(find_cases); i++) {
		struct user_entry e;
		int r;

		memset(&e, 0, sizeof(e));
		r = users_find(fd, find_cases[i].name, &e);
		is_int(r, find_cases[i].want, "find '%s'", find_cases[i].name);
		if (find_cases[i].want == 0 && r == 0)
			ok(strcmp(e.name, find_cases[i].name) == 0 &&
			   strcmp(e.hash, find_cases[i].hash) == 0 &&
			   strcmp(e.home, find_cases[i].home) == 0,
			   "find '%s': hash '%s' home '%s' (got '%s' '%s')", find_cases[i].name,
			   find_cases[i].hash, find_cases[i].home, e.hash, e.home);
	}
	close(fd);
}

/* An entry straddling the file's read buffer, and line-length limits with
 * LF and with CRLF. */
static void test_find_boundaries(void)
{
	static char content[40000], line[2048];
	struct user_entry e;
	size_t len = 0;
	int fd;

	/* Comment lines up to 16380 bytes, then frank's entry across 16384. */
	while (len + 100 < 16380)
		len += (size_t)snprintf(content + len, sizeof(content) - len, "#%097d\n", 0);
	memset(content + len, '#', 16380 - len - 1);
	len = 16380;
	content[len - 1] = '\n';
	len += (size_t)snprintf(content + len, sizeof(content) - len,
				"frank:" SHA512_SECRET ":/frank\n");
	fd = make_file("boundary", content, len);
	is_int(users_find(fd, "frank", &e), 0, "entry across the 16384-byte read boundary");
	is_str(e.hash, SHA512_SECRET, "entry across the read boundary: hash");
	is_str(e.home, "/frank", "entry across the read boundary: home");
	close(fd);

	static const struct {
		const char *name;
		size_t line_len;
		const char *end;
		int want;
	} len_cases[] = {
		{ "1022 + LF",   1022, "\n",   0 },
		{ "1023 + LF",   1023, "\n",   0 },
		{ "1022 + CRLF", 1022, "\r\n", 0 },
		{ "1023 + CRLF", 1023, "\r\n", 0 },   /* the CR is not part of the line */
		{ "1100 + LF",   1100, "\n",   -ENOENT },
		{ "1100 + CRLF", 1100, "\r\n", -ENOENT },
		{ "1023 at EOF", 1023, "",     0 },
		{ "1100 at EOF", 1100, "",     -ENOENT },
	};
	for (size_t i = 0; i < ELEMENTSOF(len_cases); i++) {
		int r;

		len = padded_line(line, "gina", len_cases[i].line_len);
		len = (size_t)snprintf(content, sizeof(content), "%s%s%s", line, len_cases[i].end,
				       *len_cases[i].end ? "ivan:$6$i\n" : "");
		fd = make_file("lengths", content, len);
		r = users_find(fd, "gina", &e);
		is_int(r, len_cases[i].want, "%s line: find", len_cases[i].name);
		if (r == 0)
			is_int(strlen(e.home), len_cases[i].line_len - strlen("gina:$6$abc$xyz:"),
			       "%s line: home length", len_cases[i].name);
		if (*len_cases[i].end)
			is_int(users_find(fd, "ivan", &e), 0, "%s line: the next line is found",
			       len_cases[i].name);
		close(fd);
	}
}

static void test_check(void)
{
	static char content[4096], line[2048];
	struct config_errors errs = { .count = 0 };
	size_t len = 0;
	int fd;

	padded_line(line, "long", 1100);
	len = (size_t)snprintf(content, sizeof(content),
		"# header\n"                  /* 1 */
		"alice:" SHA512_SECRET "\n"   /* 2 */
		":nohash\r\n"                 /* 3 */
		"\n"                          /* 4 */
		"bob:plain\n"                 /* 5 */
		"carol:$6$x:rel\r\n"          /* 6 */
		"%s\n"                        /* 7: too long */
		"dave:$6$x:/d\n"              /* 8 */
		"erin:$6$x:/e:quota-bytes=0\n"  /* 9 */
		"garbage",                    /* 10: no newline at the end */
		line);
	fd = make_file("check", content, len);

	static const char *const want[] = {
		"FTPSD_USERS=/etc/ftpsd/users: line 3: " WHY_NAME,
		"FTPSD_USERS=/etc/ftpsd/users: line 5: " WHY_HASH,
		"FTPSD_USERS=/etc/ftpsd/users: line 6: " WHY_HOME,
		"FTPSD_USERS=/etc/ftpsd/users: line 7: line too long",
		"FTPSD_USERS=/etc/ftpsd/users: line 9: option \"quota-bytes=0\": expected a size of "
		"at least 1 byte, with an optional K, M or G",
		"FTPSD_USERS=/etc/ftpsd/users: line 10: " WHY_FORM,
	};
	is_int(users_check(fd, "/etc/ftpsd/users", &errs), -EINVAL, "check a bad file: result");
	is_int(errs.count, ELEMENTSOF(want), "check a bad file: one error per bad line");
	for (size_t k = 0; k < ELEMENTSOF(want) && k < errs.count; k++)
		is_str(errs.text[k], want[k], "check a bad file: error %zu", k + 1);
	close(fd);

	/* A good file adds nothing to errors already there. */
	fd = make_file("good", S("# users\r\nalice:" SHA512_SECRET "\r\n\r\nbob:$y$x:/bob"));
	errs.count = 2;
	is_int(users_check(fd, "/u", &errs), 0, "check a good file: result");
	is_int(errs.count, 2, "check a good file: no new errors");
	close(fd);

	fd = make_file("empty", S(""));
	errs.count = 0;
	is_int(users_check(fd, "/u", &errs), 0, "check an empty file");
	is_int(users_find(fd, "alice", &(struct user_entry){ .name = "" }), -ENOENT,
	       "find in an empty file");
	close(fd);

	errs.count = 0;
	is_int(users_check(-1, "/u", &errs), -EBADF, "check a bad fd: result");
	ok(errs.count == 1 && strcmp(errs.text[0], "FTPSD_USERS=/u: Bad file descriptor") == 0,
	   "check a bad fd: message (%s)", errs.count ? errs.text[0] : "none");
	is_int(users_find(-1, "alice", &(struct user_entry){ .name = "" }), -EBADF, "find with a bad fd");

	fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	is_int(users_find(fd, "alice", &(struct user_entry){ .name = "" }), -EISDIR,
	       "find in a directory");
	close(fd);
}

static const struct {
	const char *password, *hash;
	bool want;
} password_cases[] = {
	{ "secret",   SHA512_SECRET,   true },
	{ "Secret",   SHA512_SECRET,   false },
	{ "secret ",  SHA512_SECRET,   false },
	{ "secre",    SHA512_SECRET,   false },
	{ "",         SHA512_SECRET,   false },
	{ "secret",   YESCRYPT_SECRET, true },
	{ "SECRET",   YESCRYPT_SECRET, false },
	{ "",         YESCRYPT_SECRET, false },
	{ "secret",   BCRYPT_SECRET,   true },
	{ "secreT",   BCRYPT_SECRET,   false },
	/* Locked or not a crypt hash: never. */
	{ "secret",   "*",             false },
	{ "",         "*",             false },
	{ "*",        "*",             false },
	{ "secret",   "!",             false },
	{ "!",        "!",             false },
	{ "secret",   "!!",            false },
	{ "",         "",              false },
	{ "secret",   "",              false },
	{ "secret",   "*0",            false },
	{ "secret",   "!" SHA512_SECRET, false },
	{ "secret",   DES_SECRET,      false },   /* traditional DES is not accepted */
	{ "secret",   "secret",        false },
	/* Damaged hashes. */
	{ "secret",   "$6$abc",        false },   /* settings only */
	{ "secret",   "$6$abc$",       false },
	{ "secret",   "$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR", false },
	{ "secret",   SHA512_SECRET "x", false },
	{ "secret",   "$6$abd$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1", false },
	{ "secret",   "$",             false },
	{ "secret",   "$9$xyz$abc",    false },   /* unknown method */
	{ "secret",   "$y$",           false },
};

static void test_passwords(void)
{
	for (size_t i = 0; i < ELEMENTSOF(password_cases); i++)
		is_int(password_matches(password_cases[i].password, password_cases[i].hash),
		       password_cases[i].want, "password '%s' against '%s'", password_cases[i].password,
		       password_cases[i].hash);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* An unknown user must cost as much as a wrong password for a known one
 * (a yescrypt hash at the default cost), or the delay tells which user
 * names exist. The fastest of 3 runs each; a 4x margin against noise. */
static void test_waste_time(void)
{
	double real = 1e9, waste = 1e9;

	for (int k = 0; k < 3; k++) {
		struct timespec start;
		double t;

		clock_gettime(CLOCK_MONOTONIC, &start);
		(void)password_matches("wrong", YESCRYPT_SECRET);
		t = seconds_since(&start);
		real = t < real ? t : real;
		clock_gettime(CLOCK_MONOTONIC, &start);
		password_waste_time("wrong");
		t = seconds_since(&start);
		waste = t < waste ? t : waste;
	}
	ok(waste * 4 > real && waste < real * 4,
	   "password_waste_time costs what a yescrypt check costs (%.1f ms vs %.1f ms)",
	   waste * 1e3, real * 1e3);
}

/* The method and cost of a hash: what makes two checks cost alike. */
static const struct {
	const char *hash;
	int want_r;
	const char *want;
} setting_cases[] = {
	{ "$y$j9T$92p1.gUte/YC8iDTXtR.S0$48fDq", 0, "$y$j9T" },
	{ "$y$jBT$salt$hash", 0, "$y$jBT" },
	{ "$gy$j9T$salt$hash", 0, "$gy$j9T" },
	{ "$7$CU..../....$salt$hash", 0, "$7$CU..../...." },
	{ "$6$saltsalt$hashhash", 0, "$6$" },
	{ "$6$rounds=100000$salt$hash", 0, "$6$rounds=100000" },
	{ "$5$rounds=5000$salt$hash", 0, "$5$rounds=5000" },
	{ "$5$salt$hash", 0, "$5$" },
	{ "$2b$12$saltsaltsaltsaltsaltsahashhash", 0, "$2b$12" },
	{ "$2y$05$abcdefghijklmnopqrstuv", 0, "$2y$05" },
	{ "$1$salt$hash", 0, "$1$" },
	{ "$6$", 0, "$6$" },
	{ "$6", -EINVAL, "" },
	{ "!", -EINVAL, "" },
	{ "*", -EINVAL, "" },
	{ "", -EINVAL, "" },
	{ "plain", -EINVAL, "" },
};

static void test_hash_settings(void)
{
	char out[64], small[4];

	for (size_t i = 0; i < ELEMENTSOF(setting_cases); i++) {
		int r;

		out[0] = '\0';
		r = users_hash_setting(setting_cases[i].hash, out, sizeof(out));
		is_int(r, setting_cases[i].want_r, "setting of '%s': result", setting_cases[i].hash);
		if (r == 0)
			is_str(out, setting_cases[i].want, "setting of '%s'", setting_cases[i].hash);
	}
	is_int(users_hash_setting("$y$j9T$salt$hash", small, sizeof(small)), -ENAMETOOLONG,
	       "setting: an output too small is refused");
}

/* --check's warning: one method and cost, or several. */
static void test_methods(void)
{
	static const char one[] = "a:$6$s1$h\nb:$6$s2$h\nc:!\n# x\n";
	static const char mixed[] = "a:$6$s1$h\nb:$y$j9T$s$h\nc:$6$rounds=9$s$h\nd:$6$s3$h\n";
	char warning[320] = "", dummy[256];
	int fd = make_file("methods", one, sizeof(one) - 1);

	is_int(users_check_methods(fd, warning, sizeof(warning)), 1, "one method and cost: no warning");
	is_int(users_dummy_hash(fd, dummy, sizeof(dummy)), 0, "the dummy hash is the file's first");
	is_str(dummy, "$6$s1$h", "  (that of user a)");
	close(fd);
	fd = make_file("methods", mixed, sizeof(mixed) - 1);
	is_int(users_check_methods(fd, warning, sizeof(warning)), 3, "three methods and costs");
	ok(strstr(warning, "$6$, $y$j9T, $6$rounds=9") != NULL, "the warning names them: %s", warning);
	close(fd);
	fd = make_file("methods", "a:!\nb:*\n", 8);
	is_int(users_dummy_hash(fd, dummy, sizeof(dummy)), -ENOENT, "no crypt hash: no dummy");
	close(fd);
}

/* With a sha512crypt dummy an unknown user costs what a sha512crypt user
 * does, not the built-in yescrypt's. */
static void test_waste_time_follows_file(void)
{
	double real = 1e9, waste = 1e9, builtin = 1e9;

	for (int k = 0; k < 3; k++) {
		struct timespec start;
		double t;

		password_set_dummy("");
		clock_gettime(CLOCK_MONOTONIC, &start);
		password_waste_time("wrong");
		t = seconds_since(&start);
		builtin = t < builtin ? t : builtin;
		password_set_dummy(SHA512_SECRET);
		clock_gettime(CLOCK_MONOTONIC, &start);
		(void)password_matches("wrong", SHA512_SECRET);
		t = seconds_since(&start);
		real = t < real ? t : real;
		clock_gettime(CLOCK_MONOTONIC, &start);
		password_waste_time("wrong");
		t = seconds_since(&start);
		waste = t < waste ? t : waste;
	}
	password_set_dummy("");
	ok(waste * 4 > real && waste < real * 4,
	   "with a sha512crypt dummy, password_waste_time costs a sha512crypt check "
	   "(%.2f ms vs %.2f ms; the built-in yescrypt takes %.2f ms)",
	   waste * 1e3, real * 1e3, builtin * 1e3);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test-users.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		diag("mkdtemp failed");
		return 1;
	}
	test_parse();
	test_parse_limits();
	test_find();
	test_find_boundaries();
	test_check();
	test_passwords();
	test_waste_time();
	test_hash_settings();
	test_methods();
	test_waste_time_follows_file();
	{
		static const char *const names[] = { "users", "boundary", "lengths", "check", "good", "empty",
						     "methods" };
		char path[sizeof(tmpdir) + 32];

		for (size_t k = 0; k < ELEMENTSOF(names); k++) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, names[k]);
			unlink(path);
		}
		rmdir(tmpdir);
	}
	return done_testing();
}
