/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "user_options.h"
#include "banned.h"

/* The keys, one bit each, to refuse a key given twice. */
enum {
	KEY_READ_ONLY = 1 << 0, KEY_WRITE = 1 << 1, KEY_UPLOAD_ONLY = 1 << 2,
	KEY_CERT_ONLY = 1 << 3, KEY_UMASK = 1 << 4, KEY_RATE_DOWN = 1 << 5,
	KEY_RATE_UP = 1 << 6, KEY_QUOTA_BYTES = 1 << 7, KEY_QUOTA_FILES = 1 << 8,
	KEY_FROM = 1 << 9,
};

enum value_kind { VALUE_NONE, VALUE_RATE, VALUE_BYTES, VALUE_COUNT, VALUE_UMASK, VALUE_NET };

static const struct key {
	const char *name;
	unsigned bit;
	enum value_kind kind;
	bool repeatable;
} keys[] = {
	{ "read-only", KEY_READ_ONLY, VALUE_NONE, false },
	{ "write", KEY_WRITE, VALUE_NONE, false },
	{ "upload-only", KEY_UPLOAD_ONLY, VALUE_NONE, false },
	{ "cert-only", KEY_CERT_ONLY, VALUE_NONE, false },
	{ "umask", KEY_UMASK, VALUE_UMASK, false },
	{ "rate-down", KEY_RATE_DOWN, VALUE_RATE, false },
	{ "rate-up", KEY_RATE_UP, VALUE_RATE, false },
	{ "quota-bytes", KEY_QUOTA_BYTES, VALUE_BYTES, false },
	{ "quota-files", KEY_QUOTA_FILES, VALUE_COUNT, false },
	/* One network per from=; several from= make a list (a comma cannot
	 * be both the option separator and the list separator). */
	{ "from", KEY_FROM, VALUE_NET, true },
};

static const char *const value_help[] = {
	[VALUE_NONE] = "takes no value",
	[VALUE_RATE] = "expected bytes per second, at least 1, with an optional K, M or G",
	[VALUE_BYTES] = "expected a size of at least 1 byte, with an optional K, M or G",
	[VALUE_COUNT] = "expected a number of files, at least 1",
	[VALUE_UMASK] = "expected an octal mask such as 027",
	[VALUE_NET] = ("expected an IPv4 or IPv6 address, or a network such as 192.0.2.0/24 "
		       "with no bits set past the prefix"),
};

/* Decimal digits with an optional K, M or G (powers of 1024); at least 1. */
static int parse_amount(const char *v, size_t n, bool suffix_ok, uint64_t *ret)
{
	uint64_t x = 0;
	unsigned shift = 0;
	size_t digits = 0;

	while (digits < n && v[digits] >= '0' && v[digits] <= '9')
		digits++;
	if (digits == 0 || digits > 15 || n - digits > 1)
		return -EINVAL;
	if (n - digits == 1) {
		switch (suffix_ok ? v[digits] : '?') {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default: return -EINVAL;
		}
	}
	for (size_t i = 0; i < digits; i++)
		x = x * 10 + (uint64_t)(v[i] - '0');
	if (x == 0)
		return -EINVAL;
	*ret = x << shift;   /* 15 digits < 2^50: no overflow below 2^80 */
	return 0;
}

static int parse_umask(const char *v, size_t n, mode_t *ret)
{
	unsigned x = 0;

	if (n == 0 || n > 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '7')
			return -EINVAL;
		x = x * 8 + (unsigned)(v[i] - '0');
	}
	if (x > 0777)
		return -EINVAL;
	*ret = (mode_t)x;
	return 0;
}

/* Writes "what: help" into why, quoting at most 40 bytes of the element
 * (the element is configuration, printed with %.*s, never as a format). */
static int fail(char *why, size_t why_size, const char *elem, size_t n, const char *help)
{
	int shown = n > 40 ? 40 : (int)n;

	snprintf(why, why_size, "option \"%.*s%s\": %s", shown, elem, n > 40 ? "..." : "", help);
	return -EINVAL;
}

static const struct key *find_key(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == n && memcmp(keys[i].name, p, n) == 0)
			return &keys[i];
	return NULL;
}

static int set_value(struct user_options *o, const struct key *k, const char *v, size_t n)
{
	switch (k->bit) {
	case KEY_READ_ONLY: o->write = USER_WRITE_NO; return 0;
	case KEY_WRITE: o->write = USER_WRITE_YES; return 0;
	case KEY_UPLOAD_ONLY: o->upload_only = true; return 0;
	case KEY_CERT_ONLY: o->cert_only = true; return 0;
	case KEY_UMASK: o->has_umask = true; return parse_umask(v, n, &o->umask);
	case KEY_RATE_DOWN: return parse_amount(v, n, true, &o->rate_down);
	case KEY_RATE_UP: return parse_amount(v, n, true, &o->rate_up);
	case KEY_QUOTA_BYTES: return parse_amount(v, n, true, &o->quota_bytes);
	case KEY_QUOTA_FILES: return parse_amount(v, n, false, &o->quota_files);
	case KEY_FROM:
		if (o->n_from >= USER_FROM_MAX)
			return -E2BIG;
		return net_parse(v, n, &o->from[o->n_from++]);
	}
	return -EINVAL;
}

/* One "key" or "key=value" element. */
static int parse_element(struct user_options *o, unsigned *seen, const char *e, size_t n,
			 char *why, size_t why_size)
{
	const char *eq = memchr(e, '=', n);
	size_t klen = eq ? (size_t)(eq - e) : n;
	const struct key *k = find_key(e, klen);
	int r;

	if (n == 0)
		return fail(why, why_size, e, n, "empty option (two commas, or a comma at an end)");
	if (!k)
		return fail(why, why_size, e, n,
			    "unknown option; known: read-only, write, upload-only, cert-only, "
			    "umask=, rate-down=, rate-up=, quota-bytes=, quota-files=, from=");
	if ((*seen & k->bit) && !k->repeatable)
		return fail(why, why_size, e, n, "given twice");
	*seen |= k->bit;
	if ((k->kind == VALUE_NONE) != !eq)
		return fail(why, why_size, e, n, k->kind == VALUE_NONE ? value_help[VALUE_NONE] : "needs a value");
	r = set_value(o, k, eq ? eq + 1 : NULL, eq ? n - klen - 1 : 0);
	if (r == -E2BIG)
		return fail(why, why_size, e, n, "more than 16 from= networks");
	if (r < 0)
		return fail(why, why_size, e, n, value_help[k->kind]);
	return 0;
}

/* Pairs of keys that cannot both hold. */
static int check_contradictions(unsigned seen, char *why, size_t why_size)
{
	if ((seen & KEY_READ_ONLY) && (seen & KEY_WRITE))
		snprintf(why, why_size, "options read-only and write contradict each other");
	else if ((seen & KEY_READ_ONLY) && (seen & KEY_UPLOAD_ONLY))
		snprintf(why, why_size, "options read-only and upload-only contradict each other "
			 "(an upload-only user stores files)");
	else
		return 0;
	return -EINVAL;
}

int user_options_parse(const char *p, size_t len, struct user_options *ret, char *why, size_t why_size)
{
	unsigned seen = 0;
	size_t start = 0;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (why_size)
		why[0] = '\0';
	if (len == 0)
		return 0;
	while (r == 0) {
		const char *comma = memchr(p + start, ',', len - start);
		size_t end = comma ? (size_t)(comma - p) : len;

		r = parse_element(ret, &seen, p + start, end - start, why, why_size);
		if (!comma)
			break;
		start = end + 1;
	}
	if (r == 0)
		r = check_contradictions(seen, why, why_size);
	if (r < 0)
		memset(ret, 0, sizeof(*ret));
	return r;
}

bool user_options_from_allows(const struct user_options *o, const struct sockaddr *addr)
{
	return o->n_from == 0 || net_any_contains(o->from, o->n_from, addr);
}
