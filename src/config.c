/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "util.h"
#include "banned.h"

extern char **environ;

/* TLS 1.2 and 1.3 only; AEAD ciphers with ephemeral key exchange only.
 * AES-128-GCM leads: it is the fastest AEAD where AES-NI exists, and its
 * security margin is ample. With server precedence ChaCha20-Poly1305 is
 * chosen only by clients that offer no AES-GCM.
 * ECDHE-PSK is TLS 1.3 session resumption (with a fresh ECDHE share, so
 * still forward secret): without it no data connection could resume. */
const char config_default_tls_priority[] =
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
	"-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+ECDHE-PSK:"
	"-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
	"%SERVER_PRECEDENCE";

/* Every variable ftpsd reads, one a line: a new variable is one more line
 * here. Any other FTPSD_* name in the environment (in any letter case) is
 * a configuration error, because a typo must not silently leave a
 * setting, perhaps a security setting, at its default. env() refuses to
 * read a name missing from this list, so a forgotten line shows at once. */
static const char *const known_names[] = {
	"FTPSD_ACTIVE",
	"FTPSD_ANONYMOUS",
	"FTPSD_ANONYMOUS_ROOT",
	"FTPSD_ANONYMOUS_UPLOAD",
	"FTPSD_ANONYMOUS_UPLOAD_OWNER",
	"FTPSD_BANNER",
	"FTPSD_BANNER_FILE",
	"FTPSD_DATA_TIMEOUT",
	"FTPSD_IDLE_TIMEOUT",
	"FTPSD_LIST_OWNER",
	"FTPSD_LOG",
	"FTPSD_LOGIN_TIMEOUT",
	"FTPSD_MAX_FILE_SIZE",
	"FTPSD_MAX_LOGIN_FAILURES",
	"FTPSD_PASV_ADDRESS",
	"FTPSD_PASV_PORTS",
	"FTPSD_PROXY_FROM",
	"FTPSD_PROXY_PROTOCOL",
	"FTPSD_RATE_DOWN",
	"FTPSD_RATE_UP",
	"FTPSD_ROOT",
	"FTPSD_RUN_USER",
	"FTPSD_SYSTEM_USERS",
	"FTPSD_TLS_CA",
	"FTPSD_TLS_CERT",
	"FTPSD_TLS_CERT_LOGIN",
	"FTPSD_TLS_CLIENT_CERT",
	"FTPSD_TLS_IMPLICIT",
	"FTPSD_TLS_KEY",
	"FTPSD_TLS_OCSP",
	"FTPSD_TLS_PRIORITY",
	"FTPSD_TLS_REQUIRE",
	"FTPSD_TLS_REQUIRE_DATA",
	"FTPSD_TLS_REQUIRE_REUSE",
	"FTPSD_UMASK",
	"FTPSD_USERS",
	"FTPSD_WRITE",
};

void config_error(struct config_errors *errs, const char *fmt, ...)
{
	va_list ap;

	if (errs->count >= CONFIG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(errs->text[errs->count++], CONFIG_ERROR_LEN, fmt, ap);
	va_end(ap);
}

int config_parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
		*ret = true;
	else if (strcmp(s, "0") == 0 || strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int config_parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	uint64_t v;

	if (strlen(s) > 10 || parse_decimal(s, strlen(s), max, &v) < 0 || v < min)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int config_parse_umask(const char *s, mode_t *ret)
{
	unsigned v = 0;

	if (*s == '\0' || strlen(s) > 4)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			return -EINVAL;
		v = v * 8 + (unsigned)(*p - '0');
	}
	if (v > 0777)
		return -EINVAL;
	*ret = (mode_t)v;
	return 0;
}

int config_parse_port_range(const char *s, unsigned *ret_min, unsigned *ret_max)
{
	char lo[8], hi[8];
	const char *dash = strchr(s, '-');
	unsigned a, b;

	if (!dash || (size_t)(dash - s) >= sizeof(lo) || strlen(dash + 1) >= sizeof(hi))
		return -EINVAL;
	memcpy(lo, s, (size_t)(dash - s));
	lo[dash - s] = '\0';
	memcpy(hi, dash + 1, strlen(dash + 1) + 1);
	if (config_parse_uint(lo, 1024, 65535, &a) < 0 ||
	    config_parse_uint(hi, 1024, 65535, &b) < 0 || a > b)
		return -EINVAL;
	*ret_min = a;
	*ret_max = b;
	return 0;
}

int config_parse_ipv4(const char *s, struct in_addr *ret)
{
	return inet_pton(AF_INET, s, ret) == 1 ? 0 : -EINVAL;
}

int config_parse_host_name(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool digits_only = true;

	if (len == 0 || len > 253)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			/* No empty label; none starts or ends with a hyphen. */
			if (label == 0 || s[i - 1] == '-')
				return -EINVAL;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-'))
			return -EINVAL;
		if ((ch == '-' && label == 0) || ++label > 63)
			return -EINVAL;
		if (ch < '0' || ch > '9')
			digits_only = false;
	}
	if (label == 0 || s[len - 1] == '-')
		return -EINVAL;
	/* All digits and dots is a malformed address, not a name. */
	return digits_only ? -EINVAL : 0;
}

int config_parse_size(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t digits = strspn(s, "0123456789");
	const char *suffix = s + digits;

	if (digits == 0 || digits > 15)
		return -EINVAL;
	if (suffix[0] && suffix[1])
		return -EINVAL;
	switch (suffix[0]) {
	case '\0': break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: return -EINVAL;
	}
	if (parse_decimal(s, digits, (UINT64_MAX >> 1) >> shift, &v) < 0)
		return -EINVAL;
	*ret = v << shift;
	return 0;
}

int config_parse_log(const char *s, enum log_target *ret)
{
	if (strcmp(s, "auto") == 0)
		*ret = LOG_AUTO;
	else if (strcmp(s, "journal") == 0)
		*ret = LOG_JOURNAL;
	else if (strcmp(s, "stderr") == 0)
		*ret = LOG_STDERR;
	else
		return -EINVAL;
	return 0;
}

int config_parse_client_cert(const char *s, enum client_cert_mode *ret)
{
	if (strcmp(s, "none") == 0)
		*ret = CLIENT_CERT_NONE;
	else if (strcmp(s, "request") == 0)
		*ret = CLIENT_CERT_REQUEST;
	else if (strcmp(s, "require") == 0)
		*ret = CLIENT_CERT_REQUIRE;
	else
		return -EINVAL;
	return 0;
}

int config_parse_tls_policy(const char *s, enum tls_policy *ret)
{
	bool all;

	if (strcmp(s, "accounts") == 0) {
		*ret = TLS_POLICY_ACCOUNTS;
		return 0;
	}
	if (config_parse_bool(s, &all) < 0)
		return -EINVAL;
	*ret = all ? TLS_POLICY_ALL : TLS_POLICY_OFF;
	return 0;
}

bool config_tls_required(enum tls_policy p, bool anonymous)
{
	return p == TLS_POLICY_ALL || (p == TLS_POLICY_ACCOUNTS && !anonymous);
}

static bool is_known_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++)
		if (strlen(known_names[i]) == len && memcmp(known_names[i], name, len) == 0)
			return true;
	return false;
}

/* Edit distance between a (alen bytes) and b, ignoring letter case, where
 * swapping two neighbours counts as one edit (the commonest typo). Names
 * longer than NAME_CMP_MAX are compared by their first NAME_CMP_MAX bytes. */
#define NAME_CMP_MAX 64
static unsigned name_distance(const char *a, size_t alen, const char *b)
{
	unsigned d[NAME_CMP_MAX + 1][NAME_CMP_MAX + 1];
	size_t blen = strlen(b);

	if (alen > NAME_CMP_MAX)
		alen = NAME_CMP_MAX;
	if (blen > NAME_CMP_MAX)
		blen = NAME_CMP_MAX;
	for (size_t i = 0; i <= alen; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= blen; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= alen; i++)
		for (size_t j = 1; j <= blen; j++) {
			unsigned cost = toupper((unsigned char)a[i - 1]) != (unsigned char)b[j - 1];
			unsigned best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && toupper((unsigned char)a[i - 1]) == (unsigned char)b[j - 2] &&
			    toupper((unsigned char)a[i - 2]) == (unsigned char)b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[alen][blen];
}

const char *config_nearest_name(const char *name, size_t len)
{
	const char *best = NULL;
	unsigned best_d = 0;
	/* Allow about one edit in four letters after "FTPSD_": close enough to
	 * be a typo, far enough that an unrelated name (..._MAX_CLIENTS)
	 * suggests nothing. */
	unsigned allowed = len > 6 ? 1 + (unsigned)(len - 6) / 4 : 1;

	for (size_t i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++) {
		unsigned d = name_distance(name, len, known_names[i]);

		if (d <= allowed && (!best || d < best_d)) {
			best = known_names[i];
			best_d = d;
		}
	}
	return best;
}

/* The name as it may appear in a message: printable ASCII, at most
 * NAME_CMP_MAX bytes, the rest cut with "...". */
static void printable_name(const char *name, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && i < NAME_CMP_MAX && n + 1 < size; i++)
		out[n++] = name[i] > 0x20 && name[i] < 0x7f ? name[i] : '?';
	out[n] = '\0';
	if (len > NAME_CMP_MAX && n + 4 <= size)
		memcpy(out + n, "...", 4);
}

void config_check_names(char *const *envp, struct config_errors *errs)
{
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		size_t len = eq ? (size_t)(eq - *envp) : strlen(*envp);
		char shown[NAME_CMP_MAX + 4];
		const char *near;

		if (len < 6 || strncasecmp(*envp, "FTPSD_", 6) != 0 || is_known_name(*envp, len))
			continue;
		printable_name(*envp, len, shown, sizeof(shown));
		near = config_nearest_name(*envp, len);
		if (near)
			config_error(errs, "%s: unknown variable (did you mean %s?)", shown, near);
		else
			config_error(errs, "%s: unknown variable", shown);
	}
}

/* The value of an FTPSD_ variable, NULL when unset. An empty value counts
 * as unset, as in systemd's Environment=NAME= . */
static const char *env(const char *name)
{
	const char *v;

	/* A name read here but missing from known_names would be refused as
	 * unknown whenever it is set: a programming error, stopped at once. */
	if (!is_known_name(name, strlen(name)))
		abort();
	v = getenv(name);
	return v && *v ? v : NULL;
}

static void read_bool(struct config_errors *errs, const char *name, bool *field)
{
	const char *v = env(name);

	if (v && config_parse_bool(v, field) < 0)
		config_error(errs, "%s=%s: expected 1 or 0 (yes/no, true/false)", name, v);
}

static void read_uint(struct config_errors *errs, const char *name, unsigned min,
		      unsigned max, unsigned *field)
{
	const char *v = env(name);

	if (v && config_parse_uint(v, min, max, field) < 0)
		config_error(errs, "%s=%s: expected a whole number from %u to %u", name, v,
			     min, max);
}

/* A path variable: must be absolute. Existence is checked where it is used. */
static void read_path(struct config_errors *errs, const char *name, const char **field)
{
	const char *v = env(name);

	if (!v)
		return;
	if (v[0] != '/' || strlen(v) >= VPATH_MAX)
		config_error(errs, "%s=%s: expected an absolute path", name, v);
	else
		*field = v;
}

/* A directory beneath the anonymous root, as a clean virtual path: "/"
 * and then names, none empty, "." or "..", no trailing slash. */
static bool clean_subdirectory(const char *v)
{
	if (v[0] != '/' || v[1] == '\0' || strlen(v) >= VPATH_MAX)
		return false;
	for (const char *p = v + 1; ; ) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* FTPSD_ANONYMOUS_ROOT and FTPSD_ANONYMOUS_UPLOAD: an incoming directory
 * only in a tree of anonymous's own, never in FTPSD_ROOT. */
static void read_anonymous(struct config_errors *errs, struct config *c)
{
	const char *v;

	read_path(errs, "FTPSD_ANONYMOUS_ROOT", &c->anonymous_root);
	if (!(v = env("FTPSD_ANONYMOUS_UPLOAD")))
		return;
	if (!clean_subdirectory(v))
		config_error(errs, "FTPSD_ANONYMOUS_UPLOAD=%s: expected a directory beneath "
			     "FTPSD_ANONYMOUS_ROOT, such as /incoming", v);
	else if (!env("FTPSD_ANONYMOUS_ROOT"))
		config_error(errs, "FTPSD_ANONYMOUS_UPLOAD needs FTPSD_ANONYMOUS_ROOT: anonymous "
			     "uploads never go into FTPSD_ROOT");
	else
		c->anonymous_upload = v;
}

/* A user or group name as useradd(8) takes it: letters, digits, '.',
 * '_', '-', not starting with '-'. */
static bool account_name_ok(const char *p, size_t n)
{
	if (n == 0 || n > 32 || p[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '_' && p[i] != '-')
			return false;
	return true;
}

/* FTPSD_ANONYMOUS_UPLOAD_OWNER=USER[:GROUP]: only the form here; the
 * names are looked up at start (main.c), where root is known. */
static void read_upload_owner(struct config_errors *errs, struct config *c)
{
	const char *v = env("FTPSD_ANONYMOUS_UPLOAD_OWNER");
	const char *colon;
	size_t n;

	if (!v)
		return;
	colon = strchr(v, ':');
	n = colon ? (size_t)(colon - v) : strlen(v);
	if (!account_name_ok(v, n) || (colon && !account_name_ok(colon + 1, strlen(colon + 1))))
		config_error(errs, "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s: expected USER or USER:GROUP", v);
	else if (!c->anonymous_upload)
		config_error(errs, "FTPSD_ANONYMOUS_UPLOAD_OWNER needs FTPSD_ANONYMOUS_UPLOAD: "
			     "it names the owner of anonymous uploads");
	else
		c->anonymous_upload_owner = v;
}

/* FTPSD_TLS_REQUIRE and FTPSD_TLS_REQUIRE_DATA. Returns the value as set,
 * NULL when unset (the default then depends on the certificate). */
static const char *read_policy(struct config_errors *errs, const char *name, enum tls_policy *field)
{
	const char *v = env(name);

	if (v && config_parse_tls_policy(v, field) < 0) {
		config_error(errs, "%s=%s: expected accounts, 1 or 0 (yes/no, true/false)", name, v);
		return NULL;
	}
	return v;
}

/* What a TLS setting needs when no certificate is configured: the
 * variables that are missing, by name. */
static void need_certificate(const struct config *c, struct config_errors *errs,
			     const char *setting)
{
	if (c->tls_cert || c->tls_key)
		return;   /* the one that is missing is named by the pairing check */
	config_error(errs, "%s needs a certificate: FTPSD_TLS_CERT and FTPSD_TLS_KEY are not set",
		     setting);
}

static void read_tls(struct config *c, struct config_errors *errs)
{
	const char *v, *require, *require_data;
	char setting[96];

	read_path(errs, "FTPSD_TLS_CERT", &c->tls_cert);
	read_path(errs, "FTPSD_TLS_KEY", &c->tls_key);
	read_path(errs, "FTPSD_TLS_CA", &c->tls_ca);
	read_path(errs, "FTPSD_TLS_OCSP", &c->tls_ocsp);
	if ((v = env("FTPSD_TLS_PRIORITY")))
		c->tls_priority = v;
	read_bool(errs, "FTPSD_TLS_IMPLICIT", &c->tls_implicit);
	require = read_policy(errs, "FTPSD_TLS_REQUIRE", &c->tls_require);
	require_data = read_policy(errs, "FTPSD_TLS_REQUIRE_DATA", &c->tls_require_data);
	read_bool(errs, "FTPSD_TLS_REQUIRE_REUSE", &c->tls_require_reuse);
	read_bool(errs, "FTPSD_TLS_CERT_LOGIN", &c->tls_cert_login);
	if ((v = env("FTPSD_TLS_CLIENT_CERT")) && config_parse_client_cert(v, &c->tls_client_cert) < 0)
		config_error(errs, "FTPSD_TLS_CLIENT_CERT=%s: expected none, request or require", v);

	/* Secure by default: with a certificate, no password and no data
	 * of an account crosses in clear text unless the admin says so. */
	if (c->tls_cert && !require)
		c->tls_require = TLS_POLICY_ACCOUNTS;
	if (c->tls_cert && !require_data)
		c->tls_require_data = TLS_POLICY_ACCOUNTS;

	if (!c->tls_cert != !c->tls_key)
		config_error(errs, "FTPSD_TLS_CERT and FTPSD_TLS_KEY must be set together");
	if (c->tls_implicit)
		need_certificate(c, errs, "FTPSD_TLS_IMPLICIT=1");
	if (require && c->tls_require != TLS_POLICY_OFF) {
		snprintf(setting, sizeof(setting), "FTPSD_TLS_REQUIRE=%s", require);
		need_certificate(c, errs, setting);
	}
	if (require_data && c->tls_require_data != TLS_POLICY_OFF) {
		snprintf(setting, sizeof(setting), "FTPSD_TLS_REQUIRE_DATA=%s", require_data);
		need_certificate(c, errs, setting);
	}
	if (c->tls_client_cert != CLIENT_CERT_NONE && !c->tls_ca)
		config_error(errs, "FTPSD_TLS_CLIENT_CERT=%s needs FTPSD_TLS_CA",
			     c->tls_client_cert == CLIENT_CERT_REQUIRE ? "require" : "request");
	if (c->tls_cert_login && !c->users_file)
		config_error(errs, "FTPSD_TLS_CERT_LOGIN=1 needs FTPSD_USERS: certificate logins are for virtual users");
	if (c->tls_cert_login && c->tls_client_cert == CLIENT_CERT_NONE)
		config_error(errs, "FTPSD_TLS_CERT_LOGIN=1 needs FTPSD_TLS_CLIENT_CERT=request or require");
}

/* FTPSD_PROXY_PROTOCOL and FTPSD_PROXY_FROM come together: trusting
 * a PROXY header from anyone would let any client claim any address. */
static void read_proxy(struct config *c, struct config_errors *errs)
{
	const char *v = env("FTPSD_PROXY_FROM");
	size_t bad = 0;
	int r;

	read_bool(errs, "FTPSD_PROXY_PROTOCOL", &c->proxy_protocol);
	if (v) {
		r = netlist_parse(v, strlen(v), &c->proxy_from, &bad);
		if (r == -E2BIG)
			config_error(errs, "FTPSD_PROXY_FROM: more than %u entries", NETLIST_MAX);
		else if (r < 0)
			config_error(errs, "FTPSD_PROXY_FROM=%s: expected addresses or networks "
				     "(192.0.2.10, 198.51.100.0/24, 2001:db8::/32) separated by commas "
				     "or spaces; wrong at \"%.40s\"", v, v + bad);
	}
	if (c->proxy_protocol && !v)
		config_error(errs, "FTPSD_PROXY_PROTOCOL=1 needs FTPSD_PROXY_FROM: the addresses of "
			     "the balancers allowed to send PROXY headers");
	if (!c->proxy_protocol && v)
		config_error(errs, "FTPSD_PROXY_FROM is set but FTPSD_PROXY_PROTOCOL is not 1");
}

static void read_network(struct config *c, struct config_errors *errs)
{
	const char *v;

	if ((v = env("FTPSD_PASV_PORTS")) && config_parse_port_range(v, &c->pasv_min, &c->pasv_max) < 0)
		config_error(errs, "FTPSD_PASV_PORTS=%s: expected MIN-MAX, ports 1024 to 65535", v);
	if ((v = env("FTPSD_PASV_ADDRESS"))) {
		if (config_parse_ipv4(v, &c->pasv_address) == 0)
			c->has_pasv_address = true;
		else if (config_parse_host_name(v) == 0)
			c->pasv_host = v;   /* resolved by the caller, before privileges drop */
		else
			config_error(errs, "FTPSD_PASV_ADDRESS=%s: expected an IPv4 address or a host name", v);
	}
	read_bool(errs, "FTPSD_ACTIVE", &c->active);
	read_proxy(c, errs);
}

static void read_list_owner(struct config *c, struct config_errors *errs)
{
	const char *v = env("FTPSD_LIST_OWNER");

	if (!v)
		return;
	if (strcmp(v, "numeric") == 0)
		c->list_owner = LIST_OWNER_NUMERIC;
	else if (strcmp(v, "name") == 0)
		c->list_owner = LIST_OWNER_NAME;
	else if (strcmp(v, "ftp") == 0)
		c->list_owner = LIST_OWNER_FTP;
	else
		config_error(errs, "FTPSD_LIST_OWNER=%s: expected numeric, name or ftp", v);
}

/* The banner goes into a reply line: no control characters. */
static void read_banner(struct config *c, struct config_errors *errs)
{
	const char *v = env("FTPSD_BANNER");
	bool clean;

	if (!v)
		return;
	clean = strlen(v) <= 200;
	for (const char *p = v; *p; p++)
		clean = clean && (unsigned char)*p >= 0x20 && *p != 0x7f;
	if (!clean)
		config_error(errs, "FTPSD_BANNER: at most 200 printable characters");
	else
		c->banner = v;
}

static void read_run_user(struct config *c, struct config_errors *errs)
{
	const char *v = env("FTPSD_RUN_USER");

	if (!v)
		return;
	if (strlen(v) >= USER_NAME_MAX || strcmp(v, "root") == 0 || strpbrk(v, ":/ ")) {
		config_error(errs, "FTPSD_RUN_USER=%s: expected the name of an unprivileged account", v);
		c->run_user = NULL;   /* nothing to look up */
	} else {
		c->run_user = v;
	}
}

int config_from_env(struct config *c, struct config_errors *errs)
{
	const char *v;

	*c = (struct config){
		.root = "/srv/ftp",
		.write = true,
		.umask = 022,
		.tls_priority = config_default_tls_priority,
		.tls_require_reuse = true,
		.active = true,
		.login_timeout = 60,
		.idle_timeout = 300,
		.data_timeout = 300,
		.max_login_failures = 3,
		.banner = "ftpsd ready",
		.run_user = "ftpsd",
	};
	errs->count = 0;

	config_check_names(environ, errs);
	read_path(errs, "FTPSD_ROOT", &c->root);
	read_path(errs, "FTPSD_USERS", &c->users_file);
	read_bool(errs, "FTPSD_SYSTEM_USERS", &c->system_users);
	read_bool(errs, "FTPSD_ANONYMOUS", &c->anonymous);
	read_anonymous(errs, c);
	read_upload_owner(errs, c);
	read_bool(errs, "FTPSD_WRITE", &c->write);
	if ((v = env("FTPSD_UMASK")) && config_parse_umask(v, &c->umask) < 0)
		config_error(errs, "FTPSD_UMASK=%s: expected an octal mask such as 022", v);
	read_tls(c, errs);
	read_network(c, errs);
	read_uint(errs, "FTPSD_LOGIN_TIMEOUT", 1, 86400, &c->login_timeout);
	read_uint(errs, "FTPSD_IDLE_TIMEOUT", 1, 86400, &c->idle_timeout);
	read_uint(errs, "FTPSD_DATA_TIMEOUT", 1, 86400, &c->data_timeout);
	read_uint(errs, "FTPSD_MAX_LOGIN_FAILURES", 1, 1000, &c->max_login_failures);
	if ((v = env("FTPSD_MAX_FILE_SIZE")) && config_parse_size(v, &c->max_file_size) < 0)
		config_error(errs, "FTPSD_MAX_FILE_SIZE=%s: expected a size in bytes, with K, M, G or T", v);
	if ((v = env("FTPSD_RATE_DOWN")) && config_parse_size(v, &c->rate_down) < 0)
		config_error(errs, "FTPSD_RATE_DOWN=%s: expected bytes per second, with K, M, G or T", v);
	if ((v = env("FTPSD_RATE_UP")) && config_parse_size(v, &c->rate_up) < 0)
		config_error(errs, "FTPSD_RATE_UP=%s: expected bytes per second, with K, M, G or T", v);
	read_path(errs, "FTPSD_BANNER_FILE", &c->banner_file);
	read_list_owner(c, errs);
	read_banner(c, errs);
	read_run_user(c, errs);
	if ((v = env("FTPSD_LOG")) && config_parse_log(v, &c->log) < 0)
		config_error(errs, "FTPSD_LOG=%s: expected journal, stderr or auto", v);
	if (!c->users_file && !c->anonymous && !c->system_users)
		config_error(errs, "no way to log in: set FTPSD_USERS, FTPSD_ANONYMOUS=1 or FTPSD_SYSTEM_USERS=1");
	return errs->count ? -EINVAL : 0;
}
