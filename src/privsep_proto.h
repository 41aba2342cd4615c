/* SPDX-License-Identifier: ISC */
/* The messages between the pre-login process and the monitor
 * (FTPSD_SYSTEM_USERS=1 as root; see monitor.c and privsep.c). Pure: bytes
 * in, a checked structure out, and back; no I/O, no GnuTLS.
 *
 * One request, one answer, each one SOCK_SEQPACKET message:
 *   'L' login request: the method, the user name, the password (empty for
 *       a certificate), and the session's state the logged-in process
 *       continues from (TLS facts, PBSZ/PROT, HOST, the addresses, the
 *       control input already read after the login command, and the TLS
 *       session-ID cache entry of the control session);
 *   'R' verdict: one byte (enum ps_verdict).
 * Integers are big-endian; a string is a 16-bit length and its bytes (no
 * NUL); a flag is one byte, 0 or 1; an address is a family byte (0, 4 or
 * 6), the address bytes (none, 4 or 16) and a 16-bit port. A message is
 * valid only when every field is within its bounds and nothing follows
 * the last field. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bounds.h"

/* The largest message either side sends or accepts. */
#define PS_MSG_MAX 24576
/* Control input carried with a login request (the session's input buffer). */
#define PS_INPUT_MAX 4096
/* The control session's TLS 1.2 session-ID cache entry (tls.h), opaque. */
#define PS_TLS_CACHE_MAX 12288

enum ps_method { PS_METHOD_PASSWORD = 0, PS_METHOD_CERTIFICATE = 1 };

enum ps_verdict {
	PS_OK = 0,          /* logged in: the monitor's side continues the session */
	PS_FAILED = 1,      /* a failed login, counted and delayed: 530 */
	PS_FAILED_LAST = 2, /* the last failure allowed: 530 and the end */
	PS_DECLINED = 3,    /* not a failure (no certificate login for that
			     * name, an unusable home): 331 or 530 */
};

struct ps_login {
	uint8_t method;                       /* enum ps_method */
	char user[USER_NAME_MAX];             /* 1..USER_NAME_MAX-1 bytes, no ':' or control */
	char password[LINE_MAX_BYTES + 1];    /* no NUL, CR or LF */
	/* The control connection's TLS, as the pre-login process saw it. */
	bool tls_active, cert_verified;
	char tls_version[24], tls_cipher[64], tls_subject[512], tls_sni[256];
	bool pbsz, prot_private;
	char host[256];                       /* HOST's argument, "" if none */
	bool have_peer;
	struct sockaddr_storage peer, local;  /* AF_INET or AF_INET6 when have_peer */
	unsigned char input[PS_INPUT_MAX];    /* bytes read after the login command */
	size_t input_len;
	unsigned char tls_cache[PS_TLS_CACHE_MAX];  /* empty when there is none */
	size_t tls_cache_len;
};

/* Encodes m into out[0..cap): 0 and *len, or -EMSGSIZE, -EINVAL (a field
 * out of bounds: nothing the other side would accept is ever sent). */
int ps_encode_login(const struct ps_login *m, unsigned char *out, size_t cap, size_t *len);

/* Decodes and checks a login request. 0, or -EBADMSG. */
int ps_decode_login(const unsigned char *p, size_t len, struct ps_login *ret);

/* The verdict message: always 2 bytes. */
int ps_encode_verdict(enum ps_verdict v, unsigned char *out, size_t cap, size_t *len);
int ps_decode_verdict(const unsigned char *p, size_t len, enum ps_verdict *ret);
