/* SPDX-License-Identifier: ISC */
/* Fuzz target: configuration (src/config.c): every value parser, and
 * config_from_env() with fuzzed values.
 *
 * Input: 4 bytes of variable choice, 2 bytes for uint's bounds, then
 * "v0 NUL v1 NUL ..." values. Each value goes to every parser, checked
 * against a reference of what it must accept:
 *   bool: exactly 1/yes/true/0/no/false; uint: 1-10 decimal digits within
 *   [min, max] (min and max from the input); umask: 1-4 octal digits
 *   <= 0777; port range: uint-uint, both 1024-65535 in at most 7
 *   characters, min <= max; ipv4:
 *   inet_pton's answer, round-tripping through inet_ntop; size: 1-15
 *   digits and an optional K/M/G/T, the product at most INT64_MAX
 *   (computed in 128 bits); log and client-cert: their three words.
 * A parser that fails must leave its output untouched.
 * Then the first four bytes pick which FTPSD_* variables get the values
 * (set with putenv from static buffers, so that nothing grows from run to
 * run; all are unset again after), and config_from_env() runs:
 *   0 exactly when there is no error; at most CONFIG_MAX_ERRORS messages,
 *   each terminated and naming a variable; on success the result obeys
 *   every documented limit (absolute paths, timeouts 1-86400, a file
 *   size limit <= INT64_MAX, umask <= 0777, a sane passive range, a
 *   printable banner of <= 200 bytes, a run user that is not root and has
 *   no ':', '/' or ' ', TLS cert and key together, at least one way to
 *   log in, FTPSD_PROXY_PROTOCOL exactly with a non-empty FTPSD_PROXY_FROM
 *   of valid prefixes). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "config.h"
#include "fuzz.h"

static const char *const vars[] = {
	"FTPSD_ROOT", "FTPSD_USERS", "FTPSD_ANONYMOUS", "FTPSD_SYSTEM_USERS", "FTPSD_WRITE",
	"FTPSD_UMASK", "FTPSD_TLS_CERT", "FTPSD_TLS_KEY", "FTPSD_TLS_CA", "FTPSD_TLS_CLIENT_CERT",
	"FTPSD_TLS_CERT_LOGIN", "FTPSD_TLS_IMPLICIT", "FTPSD_TLS_REQUIRE", "FTPSD_PASV_PORTS",
	"FTPSD_PASV_ADDRESS", "FTPSD_LOGIN_TIMEOUT", "FTPSD_IDLE_TIMEOUT",
	"FTPSD_MAX_LOGIN_FAILURES", "FTPSD_BANNER", "FTPSD_RUN_USER", "FTPSD_LOG",
	"FTPSD_TLS_PRIORITY", "FTPSD_ACTIVE", "FTPSD_TLS_OCSP", "FTPSD_MAX_FILE_SIZE",
	"FTPSD_DATA_TIMEOUT", "FTPSD_TLS_REQUIRE_DATA", "FTPSD_TLS_REQUIRE_REUSE",
	"FTPSD_PROXY_PROTOCOL", "FTPSD_PROXY_FROM",
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))
#define MAXVAL 8192

static int all_in(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* The reference for config_parse_uint. */
static int ref_uint(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	if (!all_in(s, "0123456789") || strlen(s) > 10)
		return -1;
	*v = strtoul(s, NULL, 10);
	return *v >= min && *v <= max ? 0 : -1;
}

static void check_parsers(const char *v, unsigned min, unsigned max)
{
	bool b = true;
	unsigned u = 777, lo = 1, hi = 2;
	unsigned long ref;
	mode_t m = 0123;
	struct in_addr a = { 0x01020304 };
	enum log_target lt = LOG_STDERR;
	enum client_cert_mode cm = CLIENT_CERT_REQUEST;
	int r;

	r = config_parse_bool(v, &b);
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
		CHECK(r == 0 && b);
	else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
		CHECK(r == 0 && !b);
	else
		CHECK(r == -EINVAL && b);

	r = config_parse_uint(v, min, max, &u);
	if (ref_uint(v, min, max, &ref) == 0)
		CHECK(r == 0 && u == ref);
	else
		CHECK(r == -EINVAL && u == 777);

	r = config_parse_umask(v, &m);
	if (all_in(v, "01234567") && strlen(v) <= 4 && strtoul(v, NULL, 8) <= 0777)
		CHECK(r == 0 && m == strtoul(v, NULL, 8));
	else
		CHECK(r == -EINVAL && m == 0123);

	r = config_parse_port_range(v, &lo, &hi);
	{
		const char *dash = strchr(v, '-');
		int good = 0;
		unsigned long x, y;

		/* Each side is read into an 8-byte buffer: at most 7 characters
		 * ("0001024" still passes, "00001024" does not). */
		if (dash && dash - v <= 7 && strlen(dash + 1) <= 7) {
			char *left = strndup(v, (size_t)(dash - v));

			CHECK(left);
			good = ref_uint(left, 1024, 65535, &x) == 0 &&
			       ref_uint(dash + 1, 1024, 65535, &y) == 0 && x <= y;
			free(left);
		}
		if (good)
			CHECK(r == 0 && lo == x && hi == y);
		else
			CHECK(r == -EINVAL && lo == 1 && hi == 2);
	}

	r = config_parse_ipv4(v, &a);
	{
		struct in_addr want;
		char text[INET_ADDRSTRLEN];

		if (inet_pton(AF_INET, v, &want) == 1) {
			CHECK(r == 0 && a.s_addr == want.s_addr);
			CHECK(inet_ntop(AF_INET, &a, text, sizeof(text)));
			CHECK(config_parse_ipv4(text, &want) == 0 && want.s_addr == a.s_addr);
		} else {
			CHECK(r == -EINVAL && a.s_addr == 0x01020304);
		}
	}

	{
		uint64_t got = 12345;
		size_t d = strspn(v, "0123456789");
		const char *suf = v + d;
		int shift = -1;

		r = config_parse_size(v, &got);
		if (d >= 1 && d <= 15) {
			if (suf[0] == '\0')
				shift = 0;
			else if (suf[1] == '\0' && strchr("KMGT", suf[0]))
				shift = suf[0] == 'K' ? 10 : suf[0] == 'M' ? 20 : suf[0] == 'G' ? 30 : 40;
		}
		if (shift >= 0) {
			unsigned __int128 want = (unsigned __int128)strtoull(v, NULL, 10) << shift;

			if (want <= INT64_MAX)
				CHECK(r == 0 && got == (uint64_t)want);
			else
				CHECK(r == -EINVAL && got == 12345);
		} else {
			CHECK(r == -EINVAL && got == 12345);
		}
	}

	r = config_parse_log(v, &lt);
	if (!strcmp(v, "auto") || !strcmp(v, "journal") || !strcmp(v, "stderr"))
		CHECK(r == 0 && lt == (v[0] == 'a' ? LOG_AUTO : v[0] == 'j' ? LOG_JOURNAL : LOG_STDERR));
	else
		CHECK(r == -EINVAL && lt == LOG_STDERR);

	r = config_parse_client_cert(v, &cm);
	if (!strcmp(v, "none") || !strcmp(v, "request") || !strcmp(v, "require"))
		CHECK(r == 0 && cm == (!strcmp(v, "none")      ? CLIENT_CERT_NONE
				       : !strcmp(v, "request") ? CLIENT_CERT_REQUEST
							       : CLIENT_CERT_REQUIRE));
	else
		CHECK(r == -EINVAL && cm == CLIENT_CERT_REQUEST);
}

static void check_config(const struct config *c, int r, const struct config_errors *errs)
{
	CHECK(r == 0 || r == -EINVAL);
	CHECK(errs->count <= CONFIG_MAX_ERRORS);
	CHECK((r == 0) == (errs->count == 0));
	for (unsigned i = 0; i < errs->count; i++) {
		CHECK(memchr(errs->text[i], 0, CONFIG_ERROR_LEN));
		CHECK(strstr(errs->text[i], "FTPSD_") || strstr(errs->text[i], "no way to log in"));
	}
	if (r < 0)
		return;
	CHECK(c->root && c->root[0] == '/' && strlen(c->root) < VPATH_MAX);
	CHECK(!c->users_file || (c->users_file[0] == '/' && strlen(c->users_file) < VPATH_MAX));
	CHECK(c->umask <= 0777);
	CHECK(!c->tls_cert == !c->tls_key);
	CHECK(!c->tls_cert || c->tls_cert[0] == '/');
	CHECK(c->tls_priority && *c->tls_priority);
	CHECK(c->tls_client_cert == CLIENT_CERT_NONE || c->tls_ca);
	CHECK((c->pasv_min == 0 && c->pasv_max == 0) ||
	      (c->pasv_min >= 1024 && c->pasv_min <= c->pasv_max && c->pasv_max <= 65535));
	CHECK(c->login_timeout >= 1 && c->login_timeout <= 86400);
	CHECK(c->idle_timeout >= 1 && c->idle_timeout <= 86400);
	CHECK(c->data_timeout >= 1 && c->data_timeout <= 86400);
	CHECK(c->max_file_size <= INT64_MAX);
	CHECK(c->max_login_failures >= 1 && c->max_login_failures <= 1000);
	CHECK(c->banner && strlen(c->banner) <= 200);
	for (const char *p = c->banner; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	CHECK(c->run_user && strlen(c->run_user) < USER_NAME_MAX && strcmp(c->run_user, "root") != 0 &&
	      !strpbrk(c->run_user, ":/ "));
	CHECK(c->log == LOG_AUTO || c->log == LOG_JOURNAL || c->log == LOG_STDERR);
	CHECK(c->users_file || c->anonymous || c->system_users);
	/* PROXY headers are believed only from a non-empty list of balancers. */
	CHECK(c->proxy_protocol == (c->proxy_from.count > 0));
	CHECK(c->proxy_from.count <= NETLIST_MAX);
	for (unsigned i = 0; i < c->proxy_from.count; i++)
		CHECK(c->proxy_from.net[i].prefix <= (c->proxy_from.net[i].family == AF_INET ? 32u : 128u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* putenv() keeps the pointer: the strings must outlive the call. */
	static char env[NVARS][MAXVAL + 64];
	static struct config_errors errs;
	struct config c;
	const char *values[NVARS];
	size_t nvalues = 0, off;
	uint32_t pick;
	unsigned min, max;
	char *copy;

	if (size < 6)
		return 0;
	pick = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	       (uint32_t)data[3] << 24;
	min = data[4] * 131u;
	max = data[5] == 255 ? UINT32_MAX : min + data[5] * 257u * 257u;
	off = 6;
	copy = malloc(size - off + 1);
	CHECK(copy);
	memcpy(copy, data + off, size - off);
	copy[size - off] = '\0';
	for (char *p = copy; nvalues < NVARS && p <= copy + (size - off);) {
		values[nvalues++] = p;
		p += strlen(p) + 1;
	}
	for (size_t i = 0; i < nvalues; i++)
		check_parsers(values[i], min, max);

	for (size_t i = 0; i < NVARS; i++)
		unsetenv(vars[i]);
	for (size_t i = 0, k = 0; i < NVARS && k < nvalues; i++) {
		if (!(pick & (1u << (i % 32))))
			continue;
		if (strlen(values[k]) > MAXVAL) {
			k++;
			continue;
		}
		snprintf(env[i], sizeof(env[i]), "%s=%s", vars[i], values[k++]);
		CHECK(putenv(env[i]) == 0);
	}
	memset(&errs, 0x5a, sizeof(errs));
	check_config(&c, config_from_env(&c, &errs), &errs);
	for (size_t i = 0; i < NVARS; i++)
		unsetenv(vars[i]);
	free(copy);
	return 0;
}
