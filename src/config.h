/* SPDX-License-Identifier: ISC */
/* The environment, read once into one validated, immutable structure. */
#pragma once
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "netlist.h"

enum log_target { LOG_AUTO, LOG_JOURNAL, LOG_STDERR };
/* FTPSD_LIST_OWNER: what LIST shows as a file's owner and group. */
enum list_owner { LIST_OWNER_NUMERIC, LIST_OWNER_NAME, LIST_OWNER_FTP };
enum client_cert_mode { CLIENT_CERT_NONE, CLIENT_CERT_REQUEST, CLIENT_CERT_REQUIRE };
/* Whom FTPSD_TLS_REQUIRE / FTPSD_TLS_REQUIRE_DATA apply to. ACCOUNTS:
 * logins with a password or a certificate (virtual and system users), not
 * anonymous; the default when a certificate is configured. */
enum tls_policy { TLS_POLICY_OFF, TLS_POLICY_ACCOUNTS, TLS_POLICY_ALL };

struct config {
	const char *root;
	const char *users_file;          /* NULL: no virtual users */
	bool system_users;
	bool anonymous;
	const char *anonymous_root;      /* NULL: anonymous shares FTPSD_ROOT */
	const char *anonymous_upload;    /* NULL, or anonymous's incoming directory (a virtual path) */
	const char *anonymous_upload_owner;  /* NULL, or USER[:GROUP] anonymous uploads are given to */
	bool write;
	mode_t umask;

	const char *tls_cert;            /* NULL: no TLS */
	const char *tls_key;
	const char *tls_priority;
	bool tls_implicit;
	enum tls_policy tls_require;     /* TLS before login */
	enum tls_policy tls_require_data;  /* PROT P before a transfer */
	bool tls_require_reuse;
	const char *tls_ca;
	enum client_cert_mode tls_client_cert;
	bool tls_cert_login;
	const char *tls_ocsp;

	unsigned pasv_min, pasv_max;     /* 0, 0: kernel's choice */
	bool has_pasv_address;
	struct in_addr pasv_address;
	const char *pasv_host;           /* FTPSD_PASV_ADDRESS as a name: resolve, then fill pasv_address */
	bool active;
	bool proxy_protocol;             /* FTPSD_PROXY_PROTOCOL: behind a balancer */
	struct netlist proxy_from;       /* FTPSD_PROXY_FROM: the balancers trusted */

	unsigned login_timeout, idle_timeout, data_timeout;   /* seconds */
	unsigned max_login_failures;
	uint64_t max_file_size;          /* bytes; 0: no limit (RLIMIT_FSIZE) */
	uint64_t rate_down, rate_up;     /* bytes per second; 0: no limit (a user's option wins) */
	const char *banner;
	const char *banner_file;         /* NULL, or lines before the banner (banner.h) */
	enum list_owner list_owner;
	const char *run_user;            /* account for virtual and anonymous users when root */
	enum log_target log;
};

#define CONFIG_MAX_ERRORS 32
#define CONFIG_ERROR_LEN 320

struct config_errors {
	unsigned count;
	char text[CONFIG_MAX_ERRORS][CONFIG_ERROR_LEN];
};

/* The GnuTLS priority string used when FTPSD_TLS_PRIORITY is unset. */
extern const char config_default_tls_priority[];

/* Reads every FTPSD_* variable. Returns 0, or -EINVAL with every problem
 * in errs (a message names the variable and what is wrong with it). */
int config_from_env(struct config *ret, struct config_errors *errs);

/* Every FTPSD_* name (any letter case) in envp that ftpsd does not know
 * is an error in errs, with the nearest known name when one is close. */
void config_check_names(char *const *envp, struct config_errors *errs);
/* The known name nearest to name (len bytes), or NULL if none is close. */
const char *config_nearest_name(const char *name, size_t len);

/* Whether policy p demands TLS of a session (anonymous or not). */
bool config_tls_required(enum tls_policy p, bool anonymous);

/* Adds a message to errs; printf-style. */
void config_error(struct config_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Value parsers, each 0 or -EINVAL; exposed for the unit tests. */
int config_parse_bool(const char *s, bool *ret);
int config_parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret);
int config_parse_umask(const char *s, mode_t *ret);
int config_parse_port_range(const char *s, unsigned *ret_min, unsigned *ret_max);
int config_parse_ipv4(const char *s, struct in_addr *ret);
/* A DNS host name: labels of letters, digits and inner hyphens, up to 63
 * bytes each and 253 in all, not all digits. */
int config_parse_host_name(const char *s);
int config_parse_log(const char *s, enum log_target *ret);
/* Bytes, with an optional K, M, G or T suffix (powers of 1024). */
int config_parse_size(const char *s, uint64_t *ret);
int config_parse_client_cert(const char *s, enum client_cert_mode *ret);
/* accounts, or a boolean: 1 is every session, 0 none. */
int config_parse_tls_policy(const char *s, enum tls_policy *ret);
