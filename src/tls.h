/* SPDX-License-Identifier: ISC */
/* GnuTLS for one process: the server's credentials and priorities, the
 * ticket key that ties data connections to this control connection, the
 * handshake with a deadline, and what a session tells about its peer. */
#pragma once
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct tls_server;

/* What the control connection's TLS session established. */
struct tls_info {
	bool active;
	char version[24];
	char cipher[64];
	bool cert_verified;      /* a client certificate was sent and verified */
	char subject[512];       /* its subject DN, "" if none */
	char sni[256];           /* server name the client asked for, "" if none */
};

/* Loads the certificate, key, CA, OCSP response and priorities. Returns
 * NULL with a precise message in err when something is unusable. */
struct tls_server *tls_server_new(const struct config *cfg, char *err, size_t err_size);
void tls_server_free(struct tls_server *ts);

/* Checks the certificate's validity period. 0, or -EINVAL with the reason
 * in err. */
int tls_check_credentials(const struct config *cfg, char *err, size_t err_size);

/* For --check: every TLS setting on its own (the certificate and key and
 * whether they match, the validity period, the CA file, the priority
 * string), so that all problems are reported at once; warnings (a
 * certificate without its chain) go to warnings. */
void tls_check_each(const struct config *cfg, struct config_errors *errs,
		    struct config_errors *warnings);

enum tls_role { TLS_CONTROL, TLS_DATA };

/* Creates a server session on the descriptors and runs the handshake until
 * deadline. 0 and *ret, or a negative GnuTLS error with a description in
 * err (the caller logs it with the peer's address). */
int tls_accept(struct tls_server *ts, enum tls_role role, int rfd, int wfd, int64_t deadline,
	       gnutls_session_t *ret, char *err, size_t err_size);

/* Fills info from an established control session. */
void tls_describe(gnutls_session_t session, struct tls_info *info);

/* true when the verified client certificate names user exactly: its
 * subject CN, or one of its DNS, e-mail or URI subjectAltNames. */
bool tls_cert_names_user(gnutls_session_t session, const char *user);

/* TLS 1.3 tickets are single-use for many clients: after a data connection
 * used one, offer a fresh one on the control connection. */
void tls_refresh_ticket(gnutls_session_t control, int64_t deadline);

/* TLS 1.2 resumption by session ID keeps the control session in this
 * process's cache: with privilege separation the logged-in process gets
 * that entry from the pre-login process. export writes it (nothing when
 * the session has none) as a 16-bit key length, the key, the data: 0 and
 * *len, or -EMSGSIZE; import stores such bytes: 0, -EBADMSG, -ENOMEM. */
int tls_cache_export(struct tls_server *ts, gnutls_session_t control, unsigned char *out,
		     size_t cap, size_t *len);
int tls_cache_import(struct tls_server *ts, const unsigned char *p, size_t len);

/* With privilege separation the control connection's TLS session is in
 * the relay (relay.h): tls_refresh_ticket(NULL, ...) asks it on fd. */
void tls_set_ticket_relay(int fd);
#define TLS_TICKET_REQUEST 'T'
/* The logged-in side's last word to the relay: its session ended because
 * its input did (TLS_SESSION_END_BY_INPUT), or otherwise. */
#define TLS_SESSION_END_BY_INPUT 'e'
#define TLS_SESSION_END 'E'
void tls_relay_session_end(bool by_input);
