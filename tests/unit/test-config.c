/* SPDX-License-Identifier: ISC */
/* The FTPSD_* environment: value parsers and config_from_env. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tap.h"
#include "bounds.h"
#include "config.h"

extern char **environ;

#define SENTINEL 0x5a5a5a5au

static const struct {
	const char *s;
	int want;
	bool value;
} bool_cases[] = {
	{ "1",     0, true },
	{ "yes",   0, true },
	{ "true",  0, true },
	{ "0",     0, false },
	{ "no",    0, false },
	{ "false", 0, false },
	{ "",      -EINVAL, false },
	{ "2",     -EINVAL, false },
	{ "10",    -EINVAL, false },
	{ "-1",    -EINVAL, false },
	{ " 1",    -EINVAL, false },
	{ "1 ",    -EINVAL, false },
	{ "1\n",   -EINVAL, false },
	{ "yess",  -EINVAL, false },
	{ "truex", -EINVAL, false },
	{ "garbage", -EINVAL, false },
	{ "nope",  -EINVAL, false },
};

static void test_bool(void)
{
	for (size_t i = 0; i < ELEMENTSOF(bool_cases); i++) {
		/* Start from the opposite value to see that it is set, and
		 * unchanged after an error (config_from_env keeps the default). */
		bool v = !bool_cases[i].value;
		int r = config_parse_bool(bool_cases[i].s, &v);

		is_int(r, bool_cases[i].want, "bool '%s'", bool_cases[i].s);
		is_int(v, r == 0 ? bool_cases[i].value : !bool_cases[i].value,
		       "bool '%s': value", bool_cases[i].s);
	}
}

static const struct {
	const char *s;
	unsigned min, max;
	int want;
	unsigned value;
} uint_cases[] = {
	{ "0",           0, 10,       0, 0 },
	{ "10",          0, 10,       0, 10 },
	{ "11",          0, 10,       -EINVAL, 0 },
	{ "0",           1, 86400,    -EINVAL, 0 },
	{ "1",           1, 86400,    0, 1 },
	{ "86400",       1, 86400,    0, 86400 },
	{ "86401",       1, 86400,    -EINVAL, 0 },
	{ "007",         1, 86400,    0, 7 },
	{ "4294967295",  0, UINT_MAX, 0, 4294967295u },
	{ "4294967296",  0, UINT_MAX, -EINVAL, 0 },   /* would wrap to 0 */
	{ "4294967297",  0, UINT_MAX, -EINVAL, 0 },   /* would wrap to 1 */
	{ "9999999999",  0, UINT_MAX, -EINVAL, 0 },
	{ "99999999999", 0, UINT_MAX, -EINVAL, 0 },
	{ "99999999999", 1, 86400,    -EINVAL, 0 },
	{ "18446744073709551617", 0, UINT_MAX, -EINVAL, 0 },   /* 2^64 + 1 */
	{ "",            0, 10,       -EINVAL, 0 },
	{ "-1",          0, 10,       -EINVAL, 0 },
	{ "+1",          0, 10,       -EINVAL, 0 },
	{ " 1",          0, 10,       -EINVAL, 0 },
	{ "1 ",          0, 10,       -EINVAL, 0 },
	{ "0x10",        0, 100,      -EINVAL, 0 },
	{ "1e3",         0, 10000,    -EINVAL, 0 },
	{ "1.5",         0, 10,       -EINVAL, 0 },
	{ "one",         0, 10,       -EINVAL, 0 },
};

static void test_uint(void)
{
	for (size_t i = 0; i < ELEMENTSOF(uint_cases); i++) {
		unsigned v = SENTINEL;
		int r = config_parse_uint(uint_cases[i].s, uint_cases[i].min, uint_cases[i].max, &v);

		is_int(r, uint_cases[i].want, "uint '%s' in [%u, %u]", uint_cases[i].s,
		       uint_cases[i].min, uint_cases[i].max);
		is_int(v, r == 0 ? uint_cases[i].value : SENTINEL, "uint '%s': value",
		       uint_cases[i].s);
	}
}

static const struct {
	const char *s;
	int want;
	mode_t value;
} umask_cases[] = {
	{ "022",   0, 022 },
	{ "22",    0, 022 },
	{ "0022",  0, 022 },
	{ "0",     0, 0 },
	{ "077",   0, 077 },
	{ "777",   0, 0777 },
	{ "0777",  0, 0777 },
	{ "8",     -EINVAL, 0 },
	{ "08",    -EINVAL, 0 },
	{ "029",   -EINVAL, 0 },
	{ "1000",  -EINVAL, 0 },   /* 01000 is not a permission bit */
	{ "7777",  -EINVAL, 0 },
	{ "",      -EINVAL, 0 },
	{ "-22",   -EINVAL, 0 },
	{ "0o22",  -EINVAL, 0 },
	{ "0x12",  -EINVAL, 0 },
	{ " 022",  -EINVAL, 0 },
	{ "022 ",  -EINVAL, 0 },
	{ "u=rwx", -EINVAL, 0 },
};

static void test_umask(void)
{
	for (size_t i = 0; i < ELEMENTSOF(umask_cases); i++) {
		mode_t v = 0xffff;
		int r = config_parse_umask(umask_cases[i].s, &v);

		is_int(r, umask_cases[i].want, "umask '%s'", umask_cases[i].s);
		is_int(v, r == 0 ? umask_cases[i].value : 0xffff, "umask '%s': value",
		       umask_cases[i].s);
	}
}

static const struct {
	const char *s;
	int want;
	unsigned min, max;
} range_cases[] = {
	{ "1024-65535",     0, 1024, 65535 },
	{ "50000-50100",    0, 50000, 50100 },
	{ "2000-2000",      0, 2000, 2000 },
	{ "01024-2000",     0, 1024, 2000 },
	{ "1023-2000",      -EINVAL, 0, 0 },
	{ "3000-2000",      -EINVAL, 0, 0 },
	{ "2000-65536",     -EINVAL, 0, 0 },
	{ "0-2000",         -EINVAL, 0, 0 },
	{ "2000",           -EINVAL, 0, 0 },
	{ "2000-",          -EINVAL, 0, 0 },
	{ "-2000",          -EINVAL, 0, 0 },
	{ "-",              -EINVAL, 0, 0 },
	{ "",               -EINVAL, 0, 0 },
	{ "2000 - 3000",    -EINVAL, 0, 0 },
	{ "2000-3000 ",     -EINVAL, 0, 0 },
	{ "2000-3000-4000", -EINVAL, 0, 0 },
	{ "2000-3000-4",    -EINVAL, 0, 0 },
	{ "2000--3000",     -EINVAL, 0, 0 },
	{ "2000:3000",      -EINVAL, 0, 0 },
	{ "+2000-3000",     -EINVAL, 0, 0 },
	{ "99999999999-2000", -EINVAL, 0, 0 },
	{ "2000-99999999999", -EINVAL, 0, 0 },
	{ "4294969296-5000", -EINVAL, 0, 0 },   /* 2^32 + 2000 */
};

static void test_port_range(void)
{
	for (size_t i = 0; i < ELEMENTSOF(range_cases); i++) {
		unsigned lo = SENTINEL, hi = SENTINEL;
		int r = config_parse_port_range(range_cases[i].s, &lo, &hi);

		is_int(r, range_cases[i].want, "port range '%s'", range_cases[i].s);
		if (r == 0)
			ok(lo == range_cases[i].min && hi == range_cases[i].max,
			   "port range '%s' is %u-%u (got %u-%u)", range_cases[i].s,
			   range_cases[i].min, range_cases[i].max, lo, hi);
		else
			ok(lo == SENTINEL && hi == SENTINEL, "port range '%s': unchanged on error",
			   range_cases[i].s);
	}
}

static const struct {
	const char *s;
	int want;
	const char *text;
} ipv4_cases[] = {
	{ "192.0.2.1",       0, "192.0.2.1" },
	{ "0.0.0.0",         0, "0.0.0.0" },
	{ "255.255.255.255", 0, "255.255.255.255" },
	{ "256.1.1.1",       -EINVAL, NULL },
	{ "1.2.3",           -EINVAL, NULL },
	{ "1.2.3.4.5",       -EINVAL, NULL },
	{ "::1",             -EINVAL, NULL },
	{ "::ffff:1.2.3.4",  -EINVAL, NULL },
	{ "",                -EINVAL, NULL },
	{ " 1.2.3.4",        -EINVAL, NULL },
	{ "1.2.3.4 ",        -EINVAL, NULL },
	{ "localhost",       -EINVAL, NULL },
	{ "1.2.3.4/24",      -EINVAL, NULL },
};

static void test_ipv4(void)
{
	for (size_t i = 0; i < ELEMENTSOF(ipv4_cases); i++) {
		struct in_addr a = { .s_addr = 0x01020304 };
		char text[INET_ADDRSTRLEN] = "";
		int r = config_parse_ipv4(ipv4_cases[i].s, &a);

		is_int(r, ipv4_cases[i].want, "ipv4 '%s'", ipv4_cases[i].s);
		if (ipv4_cases[i].text) {
			inet_ntop(AF_INET, &a, text, sizeof(text));
			is_str(text, ipv4_cases[i].text, "ipv4 '%s': address", ipv4_cases[i].s);
		}
	}
}

static const struct {
	const char *s;
	int want;
	enum log_target value;
} log_cases[] = {
	{ "auto",     0, LOG_AUTO },
	{ "journal",  0, LOG_JOURNAL },
	{ "stderr",   0, LOG_STDERR },
	{ "syslog",   -EINVAL, 0 },
	{ "",         -EINVAL, 0 },
	{ "Journal",  -EINVAL, 0 },
	{ "stderr ",  -EINVAL, 0 },
	{ "journald", -EINVAL, 0 },
};

static const struct {
	const char *s;
	int want;
	enum client_cert_mode value;
} cert_cases[] = {
	{ "none",     0, CLIENT_CERT_NONE },
	{ "request",  0, CLIENT_CERT_REQUEST },
	{ "require",  0, CLIENT_CERT_REQUIRE },
	{ "required", -EINVAL, 0 },
	{ "",         -EINVAL, 0 },
	{ "NONE",     -EINVAL, 0 },
	{ "yes",      -EINVAL, 0 },
	{ "1",        -EINVAL, 0 },
};

static void test_enums(void)
{
	for (size_t i = 0; i < ELEMENTSOF(log_cases); i++) {
		enum log_target v = (enum log_target)99;
		int r = config_parse_log(log_cases[i].s, &v);

		is_int(r, log_cases[i].want, "log '%s'", log_cases[i].s);
		is_int(v, r == 0 ? log_cases[i].value : (enum log_target)99, "log '%s': value",
		       log_cases[i].s);
	}
	for (size_t i = 0; i < ELEMENTSOF(cert_cases); i++) {
		enum client_cert_mode v = (enum client_cert_mode)99;
		int r = config_parse_client_cert(cert_cases[i].s, &v);

		is_int(r, cert_cases[i].want, "client cert '%s'", cert_cases[i].s);
		is_int(v, r == 0 ? cert_cases[i].value : (enum client_cert_mode)99,
		       "client cert '%s': value", cert_cases[i].s);
	}
}

/* Removes every FTPSD_* variable, then sets "NAME=value" strings. */
static void set_env(const char *const *vars)
{
	char names[64][64];
	size_t n = 0;

	for (char **e = environ; *e && n < ELEMENTSOF(names); e++)
		if (strncasecmp(*e, "FTPSD_", 6) == 0) {
			size_t len = strcspn(*e, "=");

			if (len >= sizeof(names[0]))
				abort();
			memcpy(names[n], *e, len);
			names[n++][len] = '\0';
		}
	for (size_t k = 0; k < n; k++)
		unsetenv(names[k]);
	for (; vars && *vars; vars++) {
		char name[64];
		const char *eq = strchr(*vars, '=');

		if (!eq || (size_t)(eq - *vars) >= sizeof(name))
			abort();
		memcpy(name, *vars, (size_t)(eq - *vars));
		name[eq - *vars] = '\0';
		if (setenv(name, eq + 1, 1) < 0)
			abort();
	}
}

#define LOGIN_ERROR "no way to log in: set FTPSD_USERS, FTPSD_ANONYMOUS=1 or FTPSD_SYSTEM_USERS=1"
#define NEEDS_CERT(setting) setting " needs a certificate: FTPSD_TLS_CERT and FTPSD_TLS_KEY are not set"
#define POLICY_ERROR(setting) setting ": expected accounts, 1 or 0 (yes/no, true/false)"
#define CERT_KEY_TOGETHER "FTPSD_TLS_CERT and FTPSD_TLS_KEY must be set together"

/* The environment of each row, and every error it must produce, in order. */
static const struct {
	const char *name;
	const char *env[10];
	const char *errors[8];
} env_cases[] = {
	{ "no variables",             { NULL }, { LOGIN_ERROR } },
	{ "anonymous only",           { "FTPSD_ANONYMOUS=1" }, { NULL } },
	{ "users file only",          { "FTPSD_USERS=/etc/ftpsd/users" }, { NULL } },
	{ "system users only",        { "FTPSD_SYSTEM_USERS=yes" }, { NULL } },
	{ "ANONYMOUS=0 is no way in", { "FTPSD_ANONYMOUS=0" }, { LOGIN_ERROR } },
	{ "empty value counts as unset", { "FTPSD_ANONYMOUS=1", "FTPSD_ROOT=", "FTPSD_UMASK=" }, { NULL } },
	{ "empty USERS is no way in", { "FTPSD_USERS=" }, { LOGIN_ERROR } },
	{ "unknown variable refused", { "FTPSD_ANONYMOUS=1", "FTPSD_NO_SUCH_THING=1" },
	  { "FTPSD_NO_SUCH_THING: unknown variable" } },
	{ "misspelt TLS_REQUIRE",  { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQIURE=1" },
	  { "FTPSD_TLS_REQIURE: unknown variable (did you mean FTPSD_TLS_REQUIRE?)" } },
	{ "lower-case name",       { "FTPSD_ANONYMOUS=1", "ftpsd_tls_require=1" },
	  { "ftpsd_tls_require: unknown variable (did you mean FTPSD_TLS_REQUIRE?)" } },
	{ "unknown name, empty value", { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_PORT=" },
	  { "FTPSD_PASV_PORT: unknown variable (did you mean FTPSD_PASV_PORTS?)" } },
	{ "unknown name, nothing near", { "FTPSD_ANONYMOUS=1", "FTPSD_MAX_CLIENTS=10" },
	  { "FTPSD_MAX_CLIENTS: unknown variable" } },
	{ "unknown names with the login error", { "Ftpsd_Anonymous=1" },
	  { "Ftpsd_Anonymous: unknown variable (did you mean FTPSD_ANONYMOUS?)", LOGIN_ERROR } },
	{ "control characters in a name shown as ?", { "FTPSD_ANONYMOUS=1", "FTPSD_\x1b[2J=1" },
	  { "FTPSD_?[2J: unknown variable" } },
	{ "names without the FTPSD_ prefix left alone",
	  { "FTPSD_ANONYMOUS=1", "FTPSDX=1", "FTPS_ROOT=/x", "MY_FTPSD_ROOT=/x" }, { NULL } },

	{ "ROOT relative",   { "FTPSD_ANONYMOUS=1", "FTPSD_ROOT=srv/ftp" },
	  { "FTPSD_ROOT=srv/ftp: expected an absolute path" } },
	{ "USERS relative",  { "FTPSD_ANONYMOUS=1", "FTPSD_USERS=users.txt" },
	  { "FTPSD_USERS=users.txt: expected an absolute path" } },
	{ "USERS relative, no other way in", { "FTPSD_USERS=./users" },
	  { "FTPSD_USERS=./users: expected an absolute path", LOGIN_ERROR } },
	{ "SYSTEM_USERS garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_SYSTEM_USERS=maybe" },
	  { "FTPSD_SYSTEM_USERS=maybe: expected 1 or 0 (yes/no, true/false)" } },
	{ "ANONYMOUS garbage",   { "FTPSD_SYSTEM_USERS=1", "FTPSD_ANONYMOUS=2" },
	  { "FTPSD_ANONYMOUS=2: expected 1 or 0 (yes/no, true/false)" } },
	{ "WRITE garbage",       { "FTPSD_ANONYMOUS=1", "FTPSD_WRITE=on" },
	  { "FTPSD_WRITE=on: expected 1 or 0 (yes/no, true/false)" } },
	{ "ANONYMOUS_ROOT and UPLOAD", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_ROOT=/srv/anon",
					 "FTPSD_ANONYMOUS_UPLOAD=/in/coming" }, { NULL } },
	{ "ANONYMOUS_UPLOAD alone", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_UPLOAD=/incoming" },
	  { "FTPSD_ANONYMOUS_UPLOAD needs FTPSD_ANONYMOUS_ROOT: anonymous uploads never go into FTPSD_ROOT" } },
	{ "ANONYMOUS_UPLOAD /", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_ROOT=/a", "FTPSD_ANONYMOUS_UPLOAD=/" },
	  { "FTPSD_ANONYMOUS_UPLOAD=/: expected a directory beneath FTPSD_ANONYMOUS_ROOT, such as /incoming" } },
	{ "ANONYMOUS_UPLOAD relative", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_ROOT=/a", "FTPSD_ANONYMOUS_UPLOAD=in" },
	  { "FTPSD_ANONYMOUS_UPLOAD=in: expected a directory beneath FTPSD_ANONYMOUS_ROOT, such as /incoming" } },
	{ "ANONYMOUS_UPLOAD ..", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_ROOT=/a", "FTPSD_ANONYMOUS_UPLOAD=/in/../x" },
	  { "FTPSD_ANONYMOUS_UPLOAD=/in/../x: expected a directory beneath FTPSD_ANONYMOUS_ROOT, such as /incoming" } },
	{ "ANONYMOUS_UPLOAD trailing /", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_ROOT=/a", "FTPSD_ANONYMOUS_UPLOAD=/in/" },
	  { "FTPSD_ANONYMOUS_UPLOAD=/in/: expected a directory beneath FTPSD_ANONYMOUS_ROOT, such as /incoming" } },
	{ "ANONYMOUS_ROOT relative", { "FTPSD_ANONYMOUS=1", "FTPSD_ANONYMOUS_ROOT=anon" },
	  { "FTPSD_ANONYMOUS_ROOT=anon: expected an absolute path" } },
	{ "LIST_OWNER values",   { "FTPSD_ANONYMOUS=1", "FTPSD_LIST_OWNER=name" }, { NULL } },
	{ "LIST_OWNER bad",      { "FTPSD_ANONYMOUS=1", "FTPSD_LIST_OWNER=names" },
	  { "FTPSD_LIST_OWNER=names: expected numeric, name or ftp" } },
	{ "RATE_DOWN and RATE_UP", { "FTPSD_ANONYMOUS=1", "FTPSD_RATE_DOWN=1M", "FTPSD_RATE_UP=0" }, { NULL } },
	{ "RATE_DOWN 1m",        { "FTPSD_ANONYMOUS=1", "FTPSD_RATE_DOWN=1m" },
	  { "FTPSD_RATE_DOWN=1m: expected bytes per second, with K, M, G or T" } },
	{ "RATE_UP -1",          { "FTPSD_ANONYMOUS=1", "FTPSD_RATE_UP=-1" },
	  { "FTPSD_RATE_UP=-1: expected bytes per second, with K, M, G or T" } },
	{ "UMASK 8",             { "FTPSD_ANONYMOUS=1", "FTPSD_UMASK=8" },
	  { "FTPSD_UMASK=8: expected an octal mask such as 022" } },
	{ "UMASK 1000",          { "FTPSD_ANONYMOUS=1", "FTPSD_UMASK=1000" },
	  { "FTPSD_UMASK=1000: expected an octal mask such as 022" } },

	{ "TLS_CERT without KEY", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT=/etc/ftpsd/cert.pem" },
	  { CERT_KEY_TOGETHER } },
	{ "TLS_KEY without CERT", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_KEY=/etc/ftpsd/key.pem" },
	  { CERT_KEY_TOGETHER } },
	{ "TLS_CERT relative",   { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT=cert.pem", "FTPSD_TLS_KEY=/k.pem" },
	  { "FTPSD_TLS_CERT=cert.pem: expected an absolute path", CERT_KEY_TOGETHER } },
	{ "TLS_KEY relative",    { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT=/c.pem", "FTPSD_TLS_KEY=k.pem" },
	  { "FTPSD_TLS_KEY=k.pem: expected an absolute path", CERT_KEY_TOGETHER } },
	{ "TLS_CA and TLS_OCSP relative", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CA=ca.pem", "FTPSD_TLS_OCSP=o.der" },
	  { "FTPSD_TLS_CA=ca.pem: expected an absolute path",
	    "FTPSD_TLS_OCSP=o.der: expected an absolute path" } },
	{ "TLS_IMPLICIT garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_IMPLICIT=x" },
	  { "FTPSD_TLS_IMPLICIT=x: expected 1 or 0 (yes/no, true/false)" } },
	{ "TLS_REQUIRE garbage",  { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE=always" },
	  { POLICY_ERROR("FTPSD_TLS_REQUIRE=always") } },
	{ "TLS_REQUIRE Accounts",  { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE=Accounts" },
	  { POLICY_ERROR("FTPSD_TLS_REQUIRE=Accounts") } },
	{ "TLS_REQUIRE_DATA garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE_DATA=Y" },
	  { POLICY_ERROR("FTPSD_TLS_REQUIRE_DATA=Y") } },
	{ "TLS_REQUIRE_REUSE garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE_REUSE=nope" },
	  { "FTPSD_TLS_REQUIRE_REUSE=nope: expected 1 or 0 (yes/no, true/false)" } },
	{ "TLS_CERT_LOGIN garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT_LOGIN=-1" },
	  { "FTPSD_TLS_CERT_LOGIN=-1: expected 1 or 0 (yes/no, true/false)" } },
	{ "TLS_REQUIRE without cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE=1" },
	  { NEEDS_CERT("FTPSD_TLS_REQUIRE=1") } },
	{ "TLS_REQUIRE=accounts without cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE=accounts" },
	  { NEEDS_CERT("FTPSD_TLS_REQUIRE=accounts") } },
	{ "TLS_IMPLICIT without cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_IMPLICIT=1" },
	  { NEEDS_CERT("FTPSD_TLS_IMPLICIT=1") } },
	{ "TLS_REQUIRE_DATA without cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE_DATA=true" },
	  { NEEDS_CERT("FTPSD_TLS_REQUIRE_DATA=true") } },
	{ "TLS_REQUIRE with a key but no cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE=1", "FTPSD_TLS_KEY=/k" },
	  { CERT_KEY_TOGETHER } },
	{ "TLS_REQUIRE_DATA=0 without cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE_DATA=0" },
	  { NULL } },
	{ "TLS_REQUIRE=0 without cert", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_REQUIRE=0", "FTPSD_TLS_IMPLICIT=no" },
	  { NULL } },
	{ "TLS_CLIENT_CERT garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CLIENT_CERT=maybe" },
	  { "FTPSD_TLS_CLIENT_CERT=maybe: expected none, request or require" } },
	{ "TLS_CLIENT_CERT=require without CA",
	  { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_CLIENT_CERT=require" },
	  { "FTPSD_TLS_CLIENT_CERT=require needs FTPSD_TLS_CA" } },
	{ "TLS_CLIENT_CERT=request without CA",
	  { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_CLIENT_CERT=request" },
	  { "FTPSD_TLS_CLIENT_CERT=request needs FTPSD_TLS_CA" } },
	{ "TLS_CERT_LOGIN without client certificates",
	  { "FTPSD_USERS=/u", "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_CERT_LOGIN=1" },
	  { "FTPSD_TLS_CERT_LOGIN=1 needs FTPSD_TLS_CLIENT_CERT=request or require" } },
	{ "TLS_CERT_LOGIN with CLIENT_CERT=none",
	  { "FTPSD_USERS=/u", "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_CERT_LOGIN=1",
	    "FTPSD_TLS_CLIENT_CERT=none" },
	  { "FTPSD_TLS_CERT_LOGIN=1 needs FTPSD_TLS_CLIENT_CERT=request or require" } },
	{ "TLS_CERT_LOGIN without virtual users",
	  { "FTPSD_ANONYMOUS=1", "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_CA=/ca",
	    "FTPSD_TLS_CLIENT_CERT=require", "FTPSD_TLS_CERT_LOGIN=1" },
	  { "FTPSD_TLS_CERT_LOGIN=1 needs FTPSD_USERS: certificate logins are for virtual users" } },
	{ "TLS all valid",
	  { "FTPSD_USERS=/u", "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_CA=/ca",
	    "FTPSD_TLS_CLIENT_CERT=require", "FTPSD_TLS_CERT_LOGIN=1", "FTPSD_TLS_REQUIRE=1",
	    "FTPSD_TLS_IMPLICIT=1", "FTPSD_TLS_REQUIRE_DATA=1" },
	  { NULL } },

	{ "PASV_PORTS below 1024", { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_PORTS=1023-2000" },
	  { "FTPSD_PASV_PORTS=1023-2000: expected MIN-MAX, ports 1024 to 65535" } },
	{ "PASV_PORTS reversed",   { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_PORTS=3000-2000" },
	  { "FTPSD_PASV_PORTS=3000-2000: expected MIN-MAX, ports 1024 to 65535" } },
	{ "PASV_PORTS one port",   { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_PORTS=3000" },
	  { "FTPSD_PASV_PORTS=3000: expected MIN-MAX, ports 1024 to 65535" } },
	{ "PASV_ADDRESS IPv6",     { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_ADDRESS=::1" },
	  { "FTPSD_PASV_ADDRESS=::1: expected an IPv4 address or a host name" } },
	{ "PASV_ADDRESS name",     { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_ADDRESS=ftp.example.com" },
	  { NULL } },
	{ "PASV_ADDRESS bad name", { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_ADDRESS=ftp_example.com" },
	  { "FTPSD_PASV_ADDRESS=ftp_example.com: expected an IPv4 address or a host name" } },
	{ "PASV_ADDRESS 1.2.3",    { "FTPSD_ANONYMOUS=1", "FTPSD_PASV_ADDRESS=1.2.3" },
	  { "FTPSD_PASV_ADDRESS=1.2.3: expected an IPv4 address or a host name" } },
	{ "PROXY_PROTOCOL with a list", { "FTPSD_ANONYMOUS=1", "FTPSD_PROXY_PROTOCOL=1",
	    "FTPSD_PROXY_FROM=192.0.2.10, 198.51.100.0/24 2001:db8::/32" }, { NULL } },
	{ "PROXY_PROTOCOL without a list", { "FTPSD_ANONYMOUS=1", "FTPSD_PROXY_PROTOCOL=1" },
	  { "FTPSD_PROXY_PROTOCOL=1 needs FTPSD_PROXY_FROM: the addresses of the balancers "
	    "allowed to send PROXY headers" } },
	{ "PROXY_FROM without PROXY_PROTOCOL", { "FTPSD_ANONYMOUS=1", "FTPSD_PROXY_FROM=192.0.2.10" },
	  { "FTPSD_PROXY_FROM is set but FTPSD_PROXY_PROTOCOL is not 1" } },
	{ "PROXY_FROM bad entry", { "FTPSD_ANONYMOUS=1", "FTPSD_PROXY_PROTOCOL=1",
	    "FTPSD_PROXY_FROM=192.0.2.10,192.0.2.0/33" },
	  { "FTPSD_PROXY_FROM=192.0.2.10,192.0.2.0/33: expected addresses or networks (192.0.2.10, "
	    "198.51.100.0/24, 2001:db8::/32) separated by commas or spaces; wrong at \"192.0.2.0/33\"" } },
	{ "PROXY_PROTOCOL garbage", { "FTPSD_ANONYMOUS=1", "FTPSD_PROXY_PROTOCOL=on",
	    "FTPSD_PROXY_FROM=192.0.2.10" },
	  { "FTPSD_PROXY_PROTOCOL=on: expected 1 or 0 (yes/no, true/false)",
	    "FTPSD_PROXY_FROM is set but FTPSD_PROXY_PROTOCOL is not 1" } },
	{ "ACTIVE garbage",        { "FTPSD_ANONYMOUS=1", "FTPSD_ACTIVE=2" },
	  { "FTPSD_ACTIVE=2: expected 1 or 0 (yes/no, true/false)" } },
	{ "LOGIN_TIMEOUT 0",       { "FTPSD_ANONYMOUS=1", "FTPSD_LOGIN_TIMEOUT=0" },
	  { "FTPSD_LOGIN_TIMEOUT=0: expected a whole number from 1 to 86400" } },
	{ "IDLE_TIMEOUT 86401",    { "FTPSD_ANONYMOUS=1", "FTPSD_IDLE_TIMEOUT=86401" },
	  { "FTPSD_IDLE_TIMEOUT=86401: expected a whole number from 1 to 86400" } },
	{ "DATA_TIMEOUT overflow", { "FTPSD_ANONYMOUS=1", "FTPSD_DATA_TIMEOUT=99999999999" },
	  { "FTPSD_DATA_TIMEOUT=99999999999: expected a whole number from 1 to 86400" } },
	{ "DATA_TIMEOUT unit",     { "FTPSD_ANONYMOUS=1", "FTPSD_DATA_TIMEOUT=30s" },
	  { "FTPSD_DATA_TIMEOUT=30s: expected a whole number from 1 to 86400" } },
	{ "MAX_LOGIN_FAILURES 1001", { "FTPSD_ANONYMOUS=1", "FTPSD_MAX_LOGIN_FAILURES=1001" },
	  { "FTPSD_MAX_LOGIN_FAILURES=1001: expected a whole number from 1 to 1000" } },
	{ "MAX_LOGIN_FAILURES -1", { "FTPSD_ANONYMOUS=1", "FTPSD_MAX_LOGIN_FAILURES=-1" },
	  { "FTPSD_MAX_LOGIN_FAILURES=-1: expected a whole number from 1 to 1000" } },
	{ "BANNER escape sequence", { "FTPSD_ANONYMOUS=1", "FTPSD_BANNER=hi\x1b[2J" },
	  { "FTPSD_BANNER: at most 200 printable characters" } },
	{ "BANNER reply injection", { "FTPSD_ANONYMOUS=1", "FTPSD_BANNER=ready\r\n230 logged in" },
	  { "FTPSD_BANNER: at most 200 printable characters" } },
	{ "BANNER DEL",            { "FTPSD_ANONYMOUS=1", "FTPSD_BANNER=a\x7f" },
	  { "FTPSD_BANNER: at most 200 printable characters" } },
	{ "BANNER tab",            { "FTPSD_ANONYMOUS=1", "FTPSD_BANNER=a\tb" },
	  { "FTPSD_BANNER: at most 200 printable characters" } },
	{ "LOG syslog",            { "FTPSD_ANONYMOUS=1", "FTPSD_LOG=syslog" },
	  { "FTPSD_LOG=syslog: expected journal, stderr or auto" } },

	{ "every problem reported, in order",
	  { "FTPSD_ROOT=x", "FTPSD_UMASK=9", "FTPSD_TLS_KEY=/k", "FTPSD_IDLE_TIMEOUT=0",
	    "FTPSD_LOG=file", "FTPSD_WRITE=w" },
	  { "FTPSD_ROOT=x: expected an absolute path", "FTPSD_WRITE=w: expected 1 or 0 (yes/no, true/false)",
	    "FTPSD_UMASK=9: expected an octal mask such as 022", CERT_KEY_TOGETHER,
	    "FTPSD_IDLE_TIMEOUT=0: expected a whole number from 1 to 86400",
	    "FTPSD_LOG=file: expected journal, stderr or auto", LOGIN_ERROR } },
};

static void test_env_errors(void)
{
	for (size_t i = 0; i < ELEMENTSOF(env_cases); i++) {
		struct config c;
		struct config_errors errs;
		size_t want_count = 0;
		int r;

		while (want_count < ELEMENTSOF(env_cases[i].errors) && env_cases[i].errors[want_count])
			want_count++;
		set_env(env_cases[i].env);
		memset(&errs, 0x55, sizeof(errs));   /* count must be reset */
		r = config_from_env(&c, &errs);
		is_int(r, want_count ? -EINVAL : 0, "env %s: result", env_cases[i].name);
		is_int(errs.count, want_count, "env %s: %zu errors", env_cases[i].name, want_count);
		for (size_t k = 0; k < want_count && k < errs.count; k++)
			is_str(errs.text[k], env_cases[i].errors[k], "env %s: error %zu",
			       env_cases[i].name, k + 1);
		for (size_t k = want_count; k < errs.count && k < CONFIG_MAX_ERRORS; k++)
			diag("unexpected error: %s", errs.text[k]);
	}
}

static void test_env_defaults(void)
{
	static const char *const vars[] = { "FTPSD_ANONYMOUS=1", NULL };
	struct config c;
	struct config_errors errs;

	set_env(vars);
	is_int(config_from_env(&c, &errs), 0, "defaults: result");
	is_str(c.root, "/srv/ftp", "defaults: root");
	is_str(c.users_file, NULL, "defaults: no users file");
	ok(!c.system_users && c.anonymous && c.write, "defaults: system_users 0, anonymous 1, write 1");
	is_int(c.umask, 022, "defaults: umask 022");
	is_str(c.tls_cert, NULL, "defaults: no TLS cert");
	is_str(c.tls_key, NULL, "defaults: no TLS key");
	is_str(c.tls_ca, NULL, "defaults: no TLS CA");
	is_str(c.tls_ocsp, NULL, "defaults: no OCSP");
	ok(c.tls_priority == config_default_tls_priority, "defaults: TLS priority");
	ok(!c.tls_implicit && !c.tls_require && !c.tls_require_data && c.tls_require_reuse &&
	   !c.tls_cert_login, "defaults: TLS flags");
	is_int(c.tls_client_cert, CLIENT_CERT_NONE, "defaults: no client certificates");
	ok(c.pasv_min == 0 && c.pasv_max == 0, "defaults: kernel's passive ports");
	ok(!c.has_pasv_address, "defaults: no passive address");
	ok(c.active, "defaults: active mode allowed");
	is_int(c.login_timeout, 60, "defaults: login timeout");
	is_int(c.idle_timeout, 300, "defaults: idle timeout");
	is_int(c.data_timeout, 300, "defaults: data timeout");
	is_int(c.max_login_failures, 3, "defaults: max login failures");
	is_str(c.banner, "ftpsd ready", "defaults: banner");
	is_int(c.log, LOG_AUTO, "defaults: log target");
	ok(strstr(config_default_tls_priority, "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2") != NULL,
	   "default priority allows TLS 1.3 and 1.2 only");
}

static void test_env_everything(void)
{
	static const char *const vars[] = {
		"FTPSD_ROOT=/data/ftp", "FTPSD_USERS=/etc/ftpsd/users", "FTPSD_SYSTEM_USERS=true",
		"FTPSD_ANONYMOUS=false", "FTPSD_WRITE=no", "FTPSD_UMASK=0077",
		"FTPSD_TLS_CERT=/etc/ftpsd/cert.pem", "FTPSD_TLS_KEY=/etc/ftpsd/key.pem",
		"FTPSD_TLS_PRIORITY=NORMAL", "FTPSD_TLS_IMPLICIT=1", "FTPSD_TLS_REQUIRE=1",
		"FTPSD_TLS_REQUIRE_DATA=1", "FTPSD_TLS_REQUIRE_REUSE=0", "FTPSD_TLS_CA=/etc/ftpsd/ca.pem",
		"FTPSD_TLS_CLIENT_CERT=request", "FTPSD_TLS_CERT_LOGIN=yes",
		"FTPSD_TLS_OCSP=/etc/ftpsd/ocsp.der", "FTPSD_PASV_PORTS=50000-50100",
		"FTPSD_PASV_ADDRESS=203.0.113.7", "FTPSD_ACTIVE=0", "FTPSD_LOGIN_TIMEOUT=30",
		"FTPSD_IDLE_TIMEOUT=86400", "FTPSD_DATA_TIMEOUT=1", "FTPSD_MAX_LOGIN_FAILURES=1000",
		"FTPSD_BANNER=Welcome to \"ftp\" \xc3\xa9", "FTPSD_LOG=stderr", NULL,
	};
	struct config c;
	struct config_errors errs;
	char addr[INET_ADDRSTRLEN] = "";

	set_env(vars);
	is_int(config_from_env(&c, &errs), 0, "everything set: result");
	for (unsigned k = 0; k < errs.count && k < CONFIG_MAX_ERRORS; k++)
		diag("unexpected error: %s", errs.text[k]);
	is_str(c.root, "/data/ftp", "everything: root");
	is_str(c.users_file, "/etc/ftpsd/users", "everything: users file");
	ok(c.system_users && !c.anonymous && !c.write, "everything: system_users 1, anonymous 0, write 0");
	is_int(c.umask, 077, "everything: umask");
	is_str(c.tls_cert, "/etc/ftpsd/cert.pem", "everything: cert");
	is_str(c.tls_key, "/etc/ftpsd/key.pem", "everything: key");
	is_str(c.tls_priority, "NORMAL", "everything: priority");
	ok(c.tls_implicit && c.tls_require == TLS_POLICY_ALL &&
	   c.tls_require_data == TLS_POLICY_ALL && !c.tls_require_reuse && c.tls_cert_login,
	   "everything: TLS flags");
	is_str(c.tls_ca, "/etc/ftpsd/ca.pem", "everything: CA");
	is_int(c.tls_client_cert, CLIENT_CERT_REQUEST, "everything: client cert mode");
	is_str(c.tls_ocsp, "/etc/ftpsd/ocsp.der", "everything: OCSP");
	ok(c.pasv_min == 50000 && c.pasv_max == 50100, "everything: passive ports");
	inet_ntop(AF_INET, &c.pasv_address, addr, sizeof(addr));
	ok(c.has_pasv_address && strcmp(addr, "203.0.113.7") == 0, "everything: passive address");
	ok(!c.active, "everything: active mode off");
	ok(c.login_timeout == 30 && c.idle_timeout == 86400 && c.data_timeout == 1,
	   "everything: timeouts");
	is_int(c.max_login_failures, 1000, "everything: max login failures");
	is_str(c.banner, "Welcome to \"ftp\" \xc3\xa9", "everything: banner");
	is_int(c.log, LOG_STDERR, "everything: log target");
}

/* FTPSD_TLS_REQUIRE and FTPSD_TLS_REQUIRE_DATA: as set, or by default
 * "accounts" when a certificate is configured and "0" when not. */
static const struct {
	const char *name;
	const char *env[4];
	enum tls_policy require, require_data;
} policy_cases[] = {
	{ "no certificate", { NULL }, TLS_POLICY_OFF, TLS_POLICY_OFF },
	{ "certificate, nothing set", { "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k" },
	  TLS_POLICY_ACCOUNTS, TLS_POLICY_ACCOUNTS },
	{ "certificate, REQUIRE=0", { "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_REQUIRE=0" },
	  TLS_POLICY_OFF, TLS_POLICY_ACCOUNTS },
	{ "certificate, REQUIRE_DATA=no", { "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_REQUIRE_DATA=no" },
	  TLS_POLICY_ACCOUNTS, TLS_POLICY_OFF },
	{ "certificate, REQUIRE=1", { "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_REQUIRE=1" },
	  TLS_POLICY_ALL, TLS_POLICY_ACCOUNTS },
	{ "certificate, REQUIRE_DATA=yes", { "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_REQUIRE_DATA=yes" },
	  TLS_POLICY_ACCOUNTS, TLS_POLICY_ALL },
	{ "certificate, REQUIRE=accounts", { "FTPSD_TLS_CERT=/c", "FTPSD_TLS_KEY=/k", "FTPSD_TLS_REQUIRE=accounts" },
	  TLS_POLICY_ACCOUNTS, TLS_POLICY_ACCOUNTS },
	{ "no certificate, both 0", { "FTPSD_TLS_REQUIRE=false", "FTPSD_TLS_REQUIRE_DATA=0" },
	  TLS_POLICY_OFF, TLS_POLICY_OFF },
};

static void test_env_policy(void)
{
	for (size_t i = 0; i < ELEMENTSOF(policy_cases); i++) {
		struct config c;
		struct config_errors errs;
		const char *vars[6] = { "FTPSD_ANONYMOUS=1" };

		for (size_t k = 0; k < ELEMENTSOF(policy_cases[i].env) && policy_cases[i].env[k]; k++)
			vars[k + 1] = policy_cases[i].env[k];
		set_env(vars);
		is_int(config_from_env(&c, &errs), 0, "policy, %s: result", policy_cases[i].name);
		is_int(c.tls_require, policy_cases[i].require, "policy, %s: TLS_REQUIRE",
		       policy_cases[i].name);
		is_int(c.tls_require_data, policy_cases[i].require_data, "policy, %s: TLS_REQUIRE_DATA",
		       policy_cases[i].name);
	}
}

static const struct {
	enum tls_policy p;
	bool anonymous;
	bool want;
} required_cases[] = {
	{ TLS_POLICY_OFF,      false, false },
	{ TLS_POLICY_OFF,      true,  false },
	{ TLS_POLICY_ACCOUNTS, false, true },
	{ TLS_POLICY_ACCOUNTS, true,  false },
	{ TLS_POLICY_ALL,      false, true },
	{ TLS_POLICY_ALL,      true,  true },
};

static const struct {
	const char *s;
	int want;
	enum tls_policy value;
} policy_parse_cases[] = {
	{ "accounts", 0, TLS_POLICY_ACCOUNTS },
	{ "1",        0, TLS_POLICY_ALL },
	{ "yes",      0, TLS_POLICY_ALL },
	{ "true",     0, TLS_POLICY_ALL },
	{ "0",        0, TLS_POLICY_OFF },
	{ "no",       0, TLS_POLICY_OFF },
	{ "false",    0, TLS_POLICY_OFF },
	{ "account",  -EINVAL, 0 },
	{ "ACCOUNTS", -EINVAL, 0 },
	{ "all",      -EINVAL, 0 },
	{ "",         -EINVAL, 0 },
	{ "accounts ", -EINVAL, 0 },
};

static void test_policy(void)
{
	for (size_t i = 0; i < ELEMENTSOF(policy_parse_cases); i++) {
		enum tls_policy v = (enum tls_policy)99;
		int r = config_parse_tls_policy(policy_parse_cases[i].s, &v);

		is_int(r, policy_parse_cases[i].want, "policy '%s'", policy_parse_cases[i].s);
		is_int(v, r == 0 ? policy_parse_cases[i].value : (enum tls_policy)99,
		       "policy '%s': value", policy_parse_cases[i].s);
	}
	for (size_t i = 0; i < ELEMENTSOF(required_cases); i++)
		is_int(config_tls_required(required_cases[i].p, required_cases[i].anonymous),
		       required_cases[i].want, "policy %d, anonymous %d: TLS required",
		       required_cases[i].p, required_cases[i].anonymous);
}

static const struct {
	const char *s;
	int want;
} host_cases[] = {
	{ "localhost",              0 },
	{ "ftp.example.com",        0 },
	{ "my-host.dyndns.org",     0 },
	{ "a",                      0 },
	{ "1host.example",          0 },
	{ "xn--bcher-kva.example",  0 },
	{ "ftp.example.com.",       -EINVAL },   /* no empty label, trailing dot included */
	{ "",                       -EINVAL },
	{ ".example.com",           -EINVAL },
	{ "ftp..example.com",       -EINVAL },
	{ "-ftp.example.com",       -EINVAL },
	{ "ftp-.example.com",       -EINVAL },
	{ "ftp.example-",           -EINVAL },
	{ "ftp_example.com",        -EINVAL },
	{ "ftp example.com",        -EINVAL },
	{ "ftp.example.com\n",      -EINVAL },
	{ "1.2.3",                  -EINVAL },   /* digits and dots: a bad address */
	{ "1.2.3.4.5",              -EINVAL },
	{ "::1",                    -EINVAL },
	{ "h\xc3\xa9.example",       -EINVAL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", 0 },   /* 63 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", -EINVAL },  /* 64 */
};

static void test_host_name(void)
{
	char long_name[300];

	for (size_t i = 0; i < ELEMENTSOF(host_cases); i++)
		is_int(config_parse_host_name(host_cases[i].s), host_cases[i].want, "host name '%s'",
		       host_cases[i].s);
	/* 253 bytes in all is the most: labels of 9 letters and a dot. */
	for (size_t i = 0; i < 253; i++)
		long_name[i] = i % 10 == 9 ? '.' : 'h';
	long_name[253] = '\0';
	is_int(config_parse_host_name(long_name), 0, "host name of 253 bytes");
	long_name[253] = 'h';
	long_name[254] = '\0';
	is_int(config_parse_host_name(long_name), -EINVAL, "host name of 254 bytes");
}

/* The known name nearest to a typo: one row per kind of slip. */
static const struct {
	const char *name;
	const char *want;
} nearest_cases[] = {
	{ "FTPSD_TLS_REQIURE",   "FTPSD_TLS_REQUIRE" },     /* swapped neighbours */
	{ "ftpsd_tls_require",   "FTPSD_TLS_REQUIRE" },     /* letter case */
	{ "FTPSD_TLS_REQUIRED",  "FTPSD_TLS_REQUIRE" },     /* one letter more */
	{ "FTPSD_TLS_REQUIRE_DAT", "FTPSD_TLS_REQUIRE_DATA" },
	{ "FTPSD_PASV_PORT",     "FTPSD_PASV_PORTS" },      /* one letter less */
	{ "FTPSD_PASV_ADRESS",   "FTPSD_PASV_ADDRESS" },
	{ "FTPSD_USER",          "FTPSD_USERS" },
	{ "FTPSD_ROOT_",         "FTPSD_ROOT" },
	{ "FTPSD_ANONYMUS",      "FTPSD_ANONYMOUS" },
	{ "FTPSD_IDLE_TIMEOUTS", "FTPSD_IDLE_TIMEOUT" },
	{ "FTPSD_TLS_CERTS",     "FTPSD_TLS_CERT" },
	{ "FTPSD_MAX_CLIENTS",   NULL },                    /* a setting ftpsd lacks */
	{ "FTPSD_CHROOT",        "FTPSD_ROOT" },            /* close enough to help */
	{ "FTPSD_",              NULL },
	{ "FTPSD_X",             NULL },
	{ "FTPSD_PASSWORD_FILE", NULL },
};

static void test_nearest(void)
{
	for (size_t i = 0; i < ELEMENTSOF(nearest_cases); i++)
		is_str(config_nearest_name(nearest_cases[i].name, strlen(nearest_cases[i].name)),
		       nearest_cases[i].want, "nearest name to %s", nearest_cases[i].name);
}

/* config_check_names on its own: every unknown name, in order; a name
 * without '=' and a very long name are handled. */
static void test_check_names(void)
{
	static char long_name[200];
	char *envp[] = { "PATH=/bin", "FTPSD_ROOT=/srv", "FTPSD_ROOTS=/srv", "FTPSD_NOEQUALS",
			 long_name, "ftpsd_root=/x", NULL };
	struct config_errors errs = { .count = 0 };

	memcpy(long_name, "FTPSD_", 6);
	memset(long_name + 6, 'A', 150);
	memcpy(long_name + 156, "=1", 3);
	config_check_names(envp, &errs);
	is_int(errs.count, 4, "check names: four unknown");
	is_str(errs.text[0], "FTPSD_ROOTS: unknown variable (did you mean FTPSD_ROOT?)",
	       "check names: FTPSD_ROOTS");
	is_str(errs.text[1], "FTPSD_NOEQUALS: unknown variable", "check names: entry without =");
	ok(strncmp(errs.text[2], "FTPSD_AAAA", 10) == 0 &&
	   strstr(errs.text[2], "AAA...: unknown variable") != NULL && strlen(errs.text[2]) < 100,
	   "check names: a long name is cut short (%s)", errs.text[2]);
	is_str(errs.text[3], "ftpsd_root: unknown variable (did you mean FTPSD_ROOT?)",
	       "check names: ftpsd_root");
}

/* Lengths at the limits: a 200-character banner, a path of VPATH_MAX. */
static void test_env_lengths(void)
{
	static char banner[256], path[VPATH_MAX + 32];
	struct config c;
	struct config_errors errs;

	set_env(NULL);
	setenv("FTPSD_ANONYMOUS", "1", 1);
	memset(banner, 'b', 200);
	banner[200] = '\0';
	setenv("FTPSD_BANNER", banner, 1);
	is_int(config_from_env(&c, &errs), 0, "200-character banner accepted");
	is_int(strlen(c.banner), 200, "200-character banner kept");
	banner[200] = 'b';
	banner[201] = '\0';
	setenv("FTPSD_BANNER", banner, 1);
	is_int(config_from_env(&c, &errs), -EINVAL, "201-character banner refused");
	is_str(errs.text[0], "FTPSD_BANNER: at most 200 printable characters",
	       "201-character banner: message");
	unsetenv("FTPSD_BANNER");

	path[0] = '/';
	memset(path + 1, 'p', VPATH_MAX - 2);
	path[VPATH_MAX - 1] = '\0';
	setenv("FTPSD_ROOT", path, 1);
	is_int(config_from_env(&c, &errs), 0, "root of VPATH_MAX - 1 characters accepted");
	path[VPATH_MAX - 1] = 'p';
	path[VPATH_MAX] = '\0';
	setenv("FTPSD_ROOT", path, 1);
	is_int(config_from_env(&c, &errs), -EINVAL, "root of VPATH_MAX characters refused");
	ok(errs.count == 1 && strncmp(errs.text[0], "FTPSD_ROOT=/ppp", 15) == 0 &&
	   strlen(errs.text[0]) == CONFIG_ERROR_LEN - 1,
	   "long root: message names the variable, truncated to CONFIG_ERROR_LEN");
}

/* config_error keeps at most CONFIG_MAX_ERRORS messages. */
static void test_error_limit(void)
{
	struct config_errors errs = { .count = 0 };
	char want[32];

	for (int k = 0; k < CONFIG_MAX_ERRORS + 5; k++)
		config_error(&errs, "error %d", k);
	is_int(errs.count, CONFIG_MAX_ERRORS, "errors stop at CONFIG_MAX_ERRORS");
	snprintf(want, sizeof(want), "error %d", CONFIG_MAX_ERRORS - 1);
	is_str(errs.text[CONFIG_MAX_ERRORS - 1], want, "last kept error");
}

static const struct {
	const char *in;
	int ret;
	uint64_t want;
} size_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "1048576", 0, 1048576 },
	{ "1K", 0, 1024 },
	{ "1M", 0, 1048576 },
	{ "5G", 0, 5ULL << 30 },
	{ "2T", 0, 2ULL << 40 },
	{ "999999999999999", 0, 999999999999999ULL },
	{ "", -EINVAL, 0 },
	{ "M", -EINVAL, 0 },
	{ "1k", -EINVAL, 0 },      /* suffixes are upper case */
	{ "1MB", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "1 M", -EINVAL, 0 },
	{ "1000000000000000", -EINVAL, 0 },   /* 16 digits */
	{ "99999999999999T", -EINVAL, 0 },    /* overflows */
};

static void test_size(void)
{
	for (size_t i = 0; i < ELEMENTSOF(size_cases); i++) {
		uint64_t v = 12345;
		int r = config_parse_size(size_cases[i].in, &v);

		is_int(r, size_cases[i].ret, "size \"%s\": result", size_cases[i].in);
		if (r == 0)
			ok(v == size_cases[i].want, "size \"%s\": value", size_cases[i].in);
	}
}

int main(void)
{
	test_size();
	test_bool();
	test_uint();
	test_umask();
	test_port_range();
	test_ipv4();
	test_enums();
	test_policy();
	test_host_name();
	test_nearest();
	test_check_names();
	test_env_errors();
	test_env_policy();
	test_env_defaults();
	test_env_everything();
	test_env_lengths();
	test_error_limit();
	return done_testing();
}
