/* SPDX-License-Identifier: ISC */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "users.h"
#include "util.h"
#include "banned.h"

static bool name_ok(const char *p, size_t n)
{
	if (n == 0 || n >= USER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f || p[i] == ':')
			return false;
	return true;
}

/* Only spaces and tabs in p[0..len): the line need not be NUL-terminated. */
static bool blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

int users_parse_line(const char *line, size_t len, struct user_entry *ret, const char **why)
{
	/* The message of a bad option names the key, so it is built here. */
	static char options_why[USER_OPTIONS_WHY_MAX];
	const char *c1, *c2, *c3 = NULL, *end = line + len;
	size_t hash_len, home_len;

	ret->name[0] = '\0';
	if (len == 0 || line[0] == '#' || blank(line, len))
		return 1;
	if (memchr(line, '\0', len)) {
		*why = "NUL byte in line";
		return -EINVAL;
	}
	c1 = memchr(line, ':', len);
	if (!c1) {
		*why = "expected name:hash";
		return -EINVAL;
	}
	if (!name_ok(line, (size_t)(c1 - line))) {
		*why = "bad user name";
		return -EINVAL;
	}
	memcpy(ret->name, line, (size_t)(c1 - line));
	ret->name[c1 - line] = '\0';
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	hash_len = (size_t)((c2 ? c2 : end) - (c1 + 1));
	/* "!..." and "*" lock an account, as in shadow(5): valid, never matching. */
	if (hash_len == 0 || hash_len >= USERS_HASH_MAX ||
	    (c1[1] != '$' && c1[1] != '!' && c1[1] != '*')) {
		*why = "expected a crypt(3) hash such as $y$..., $6$... or $2b$..., or ! to lock";
		return -EINVAL;
	}
	/* The options field is the rest of the line: IPv6 networks in from=
	 * hold colons, a home never does. */
	if (c2)
		c3 = memchr(c2 + 1, ':', (size_t)(end - c2 - 1));
	home_len = c2 ? (size_t)((c3 ? c3 : end) - c2 - 1) : 0;
	if (home_len >= VPATH_MAX || (home_len > 0 && c2[1] != '/')) {
		*why = "home must be an absolute path beneath FTPSD_ROOT";
		return -EINVAL;
	}
	if (user_options_parse(c3 ? c3 + 1 : "", c3 ? (size_t)(end - c3 - 1) : 0, &ret->opts,
			       options_why, sizeof(options_why)) < 0) {
		*why = options_why;
		return -EINVAL;
	}
	memcpy(ret->hash, c1 + 1, hash_len);
	ret->hash[hash_len] = '\0';
	if (home_len)
		memcpy(ret->home, c2 + 1, home_len);
	ret->home[home_len] = '\0';
	return 0;
}

/* Calls fn for each line of the file; a line too long to hold is passed
 * as NULL. Stops when fn returns non-zero and returns that. */
static int users_each_line(int fd, int (*fn)(const char *line, size_t len, unsigned lineno, void *ctx),
			   void *ctx)
{
	/* One byte more than a line may hold: room for the CR of a CRLF. */
	char buf[16384], line[USERS_LINE_MAX + 1];
	size_t llen = 0;
	bool too_long = false;
	unsigned lineno = 1;
	off_t off = 0;
	int r;

	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (llen + 1 < sizeof(line))
					line[llen++] = buf[i];
				else
					too_long = true;
				continue;
			}
			if (llen > 0 && line[llen - 1] == '\r')
				llen--;
			if (llen >= USERS_LINE_MAX)
				too_long = true;
			line[llen] = '\0';
			r = fn(too_long ? NULL : line, llen, lineno++, ctx);
			if (r)
				return r;
			llen = 0;
			too_long = false;
		}
	}
	if (llen > 0 || too_long) {
		line[llen] = '\0';
		return fn(too_long ? NULL : line, llen, lineno, ctx);
	}
	return 0;
}

struct find_ctx {
	const char *name;
	struct user_entry *ret;
};

static int find_line(const char *line, size_t len, unsigned lineno, void *p)
{
	struct find_ctx *ctx = p;
	const char *why;

	int r;

	(void)lineno;
	if (!line)
		return 0;
	r = users_parse_line(line, len, ctx->ret, &why);
	/* A line whose own name is malformed names nobody. */
	if (r == 1 || ctx->ret->name[0] == '\0' || strcmp(ctx->ret->name, ctx->name) != 0)
		return 0;
	return r == 0 ? 1 : -EINVAL;
}

int users_find(int fd, const char *name, struct user_entry *ret)
{
	struct find_ctx ctx = { name, ret };
	int r = users_each_line(fd, find_line, &ctx);

	if (r < 0)
		return r;
	return r == 1 ? 0 : -ENOENT;
}

struct check_ctx {
	const char *path;
	struct config_errors *errs;
};

static int check_line(const char *line, size_t len, unsigned lineno, void *p)
{
	struct check_ctx *ctx = p;
	struct user_entry e;
	const char *why = "line too long";

	if (!line || users_parse_line(line, len, &e, &why) < 0)
		config_error(ctx->errs, "FTPSD_USERS=%s: line %u: %s", ctx->path, lineno, why);
	return 0;
}

int users_check(int fd, const char *path, struct config_errors *errs)
{
	struct check_ctx ctx = { path, errs };
	unsigned before = errs->count;
	int r = users_each_line(fd, check_line, &ctx);

	if (r < 0) {
		config_error(errs, "FTPSD_USERS=%s: %s", path, strerror(-r));
		return r;
	}
	return errs->count > before ? -EINVAL : 0;
}

/* A real yescrypt hash at the default cost of mkpasswd(1), for when the
 * users file has no hash to imitate: an invalid one would fail fast and
 * tell which user names exist. */
static const char builtin_dummy_hash[] =
	"$y$j9T$92p1.gUte/YC8iDTXtR.S0$48fDqIjHdsTABP9tsP42JC5wq7OPTpSXWK8iTdKa3G6";
static char dummy_hash[USERS_HASH_MAX];

bool password_matches(const char *password, const char *hash)
{
	/* struct crypt_data is large; one static copy serves this process. */
	static struct crypt_data data;
	const char *out;

	/* A locked entry ("!", "*") costs as much time as a real check, so
	 * that timing tells no locked name from a live one. */
	if (hash[0] != '$') {
		password_waste_time(password);
		return false;
	}
	memset(&data, 0, sizeof(data));
	out = crypt_rn(password, hash, &data, sizeof(data));
	return out && out[0] != '*' && equal_constant_time(out, hash);
}

void password_set_dummy(const char *hash)
{
	if (hash[0] != '$' || copy_string(dummy_hash, sizeof(dummy_hash), hash) < 0)
		dummy_hash[0] = '\0';
}

void password_waste_time(const char *password)
{
	/* The same method, cost and salt length as a hash in the users file,
	 * so an unknown name takes as long as a known one (with one method
	 * and cost in the file: users_check_methods()). */
	(void)password_matches(password, dummy_hash[0] ? dummy_hash : builtin_dummy_hash);
}

int users_hash_setting(const char *hash, char *out, size_t size)
{
	const char *id_end, *param, *param_end;
	size_t id_len, n;

	if (hash[0] != '$' || !(id_end = strchr(hash + 1, '$')))
		return -EINVAL;
	id_len = (size_t)(id_end - hash) - 1;
	param = id_end + 1;
	param_end = strchr(param, '$');
	n = id_len + 2;   /* "$id$" */
	/* The field after the id holds the cost where the method has one:
	 * yescrypt and scrypt parameters, bcrypt's cost, "rounds=" of
	 * sha256crypt, sha512crypt and sunmd5. */
	if (param_end &&
	    ((id_len == 1 && strchr("y7", hash[1])) || (id_len == 2 && memcmp(hash + 1, "gy", 2) == 0) ||
	     (id_len == 2 && hash[1] == '2') || strncmp(param, "rounds=", 7) == 0))
		n = (size_t)(param_end - hash);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(out, hash, n);
	out[n] = '\0';
	return 0;
}

struct dummy_ctx {
	char *out;
	size_t size;
};

static int dummy_line(const char *line, size_t len, unsigned lineno, void *p)
{
	struct dummy_ctx *ctx = p;
	struct user_entry e;
	const char *why;

	(void)lineno;
	if (!line || users_parse_line(line, len, &e, &why) != 0 || e.hash[0] != '$')
		return 0;
	return copy_string(ctx->out, ctx->size, e.hash) < 0 ? 0 : 1;
}

int users_dummy_hash(int fd, char *out, size_t size)
{
	struct dummy_ctx ctx = { out, size };
	int r = users_each_line(fd, dummy_line, &ctx);

	if (r < 0)
		return r;
	return r == 1 ? 0 : -ENOENT;
}

#define METHODS_SHOWN 4

struct methods_ctx {
	char seen[METHODS_SHOWN][64];
	unsigned count;
};

static int methods_line(const char *line, size_t len, unsigned lineno, void *p)
{
	struct methods_ctx *ctx = p;
	struct user_entry e;
	const char *why;
	char setting[64];

	(void)lineno;
	if (!line || users_parse_line(line, len, &e, &why) != 0 ||
	    users_hash_setting(e.hash, setting, sizeof(setting)) < 0)
		return 0;
	for (unsigned i = 0; i < ctx->count && i < METHODS_SHOWN; i++)
		if (strcmp(ctx->seen[i], setting) == 0)
			return 0;
	if (ctx->count < METHODS_SHOWN)
		copy_string(ctx->seen[ctx->count], sizeof(ctx->seen[0]), setting);
	ctx->count++;
	return 0;
}

int users_check_methods(int fd, char *warning, size_t size)
{
	struct methods_ctx ctx = { .count = 0 };
	int r = users_each_line(fd, methods_line, &ctx);
	size_t off;

	if (r < 0)
		return r;
	if (ctx.count <= 1)
		return (int)ctx.count;
	off = (size_t)snprintf(warning, size, "the users file mixes %u hash methods or costs (", ctx.count);
	for (unsigned i = 0; i < ctx.count && i < METHODS_SHOWN && off < size; i++)
		off += (size_t)snprintf(warning + off, size - off, "%s%s", i ? ", " : "", ctx.seen[i]);
	if (off < size)
		snprintf(warning + off, size - off,
			 "%s): an unknown user name costs as much as the first, so names "
			 "hashed otherwise can be told apart by timing; rehash them alike",
			 ctx.count > METHODS_SHOWN ? ", ..." : "");
	return (int)ctx.count;
}
