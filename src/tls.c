/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gnutls/ocsp.h>
#include <gnutls/x509.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"
#include "tls_files.h"
#include "util.h"
#include "banned.h"

/* Session IDs of TLS 1.2 clients that do not use tickets, kept for the
 * life of this one process: a handful of entries suffice. */
#define SESSION_CACHE_SLOTS 8

struct cache_slot {
	gnutls_datum_t key, data;
};

struct tls_server {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t priority;
	gnutls_datum_t ticket_key;
	enum client_cert_mode client_cert;
	struct cache_slot cache[SESSION_CACHE_SLOTS];
	unsigned cache_next;
};

static void slot_clear(struct cache_slot *s)
{
	free(s->key.data);
	free(s->data.data);
	memset(s, 0, sizeof(*s));
}

static int dup_datum(gnutls_datum_t *dst, const gnutls_datum_t *src)
{
	dst->data = malloc(src->size ? src->size : 1);
	if (!dst->data)
		return -1;
	memcpy(dst->data, src->data, src->size);
	dst->size = src->size;
	return 0;
}

static int cache_store(void *ptr, gnutls_datum_t key, gnutls_datum_t data)
{
	struct tls_server *ts = ptr;
	struct cache_slot *s = &ts->cache[ts->cache_next++ % SESSION_CACHE_SLOTS];

	slot_clear(s);
	if (dup_datum(&s->key, &key) < 0 || dup_datum(&s->data, &data) < 0) {
		slot_clear(s);
		return -1;
	}
	return 0;
}

static struct cache_slot *cache_find(struct tls_server *ts, const gnutls_datum_t *key)
{
	for (unsigned i = 0; i < SESSION_CACHE_SLOTS; i++) {
		struct cache_slot *s = &ts->cache[i];

		if (s->key.data && s->key.size == key->size &&
		    memcmp(s->key.data, key->data, key->size) == 0)
			return s;
	}
	return NULL;
}

static gnutls_datum_t cache_retrieve(void *ptr, gnutls_datum_t key)
{
	struct cache_slot *s = cache_find(ptr, &key);
	gnutls_datum_t out = { NULL, 0 };

	if (s && (out.data = gnutls_malloc(s->data.size))) {
		memcpy(out.data, s->data.data, s->data.size);
		out.size = s->data.size;
	}
	return out;
}

static int cache_remove(void *ptr, gnutls_datum_t key)
{
	struct cache_slot *s = cache_find(ptr, &key);

	if (!s)
		return -1;
	slot_clear(s);
	return 0;
}

int tls_cache_export(struct tls_server *ts, gnutls_session_t control, unsigned char *out,
		     size_t cap, size_t *len)
{
	gnutls_datum_t id = { NULL, 0 };
	struct cache_slot *slot;

	*len = 0;
	if (gnutls_session_get_id2(control, &id) < 0 || id.size == 0)
		return 0;
	slot = cache_find(ts, &id);
	if (!slot)
		return 0;   /* tickets, or TLS 1.3: nothing kept here */
	if (2 + slot->key.size + slot->data.size > cap || slot->key.size > 0xffff)
		return -EMSGSIZE;
	out[0] = (unsigned char)(slot->key.size >> 8);
	out[1] = (unsigned char)slot->key.size;
	memcpy(out + 2, slot->key.data, slot->key.size);
	memcpy(out + 2 + slot->key.size, slot->data.data, slot->data.size);
	*len = 2 + slot->key.size + slot->data.size;
	return 0;
}

int tls_cache_import(struct tls_server *ts, const unsigned char *p, size_t len)
{
	gnutls_datum_t key, data;
	size_t klen;

	if (len == 0)
		return 0;
	if (len < 2)
		return -EBADMSG;
	klen = (size_t)p[0] << 8 | p[1];
	if (klen == 0 || klen > len - 2 || klen == len - 2)
		return -EBADMSG;
	key.data = (unsigned char *)p + 2;
	key.size = (unsigned)klen;
	data.data = (unsigned char *)p + 2 + klen;
	data.size = (unsigned)(len - 2 - klen);
	return cache_store(ts, key, data) < 0 ? -ENOMEM : 0;
}

/* Called by GnuTLS when a client sends a certificate: chain, validity and
 * the TLS client key purpose must all hold, or the handshake fails. */
static int verify_client(gnutls_session_t session)
{
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (void *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	unsigned status = 0, n = 0;

	/* No certificate: GNUTLS_CERT_REQUIRE has already refused that case. */
	if (!gnutls_certificate_get_peers(session, &n) || n == 0)
		return 0;
	if (gnutls_certificate_verify_peers(session, &purpose, 1, &status) < 0 || status != 0)
		return GNUTLS_E_CERTIFICATE_ERROR;
	return 0;
}

/* Why GnuTLS could not load the certificate and key, in the words of
 * tls_files_diagnose when it finds the cause. */
static void credentials_error(const struct config *cfg, int r, char *err, size_t err_size)
{
	static struct config_errors errs, warnings;

	errs.count = warnings.count = 0;
	if (tls_files_diagnose(cfg, &errs, &warnings) > 0)
		snprintf(err, err_size, "%s", errs.text[0]);
	else
		snprintf(err, err_size, "FTPSD_TLS_CERT=%s, FTPSD_TLS_KEY=%s: %s", cfg->tls_cert,
			 cfg->tls_key, gnutls_strerror(r));
}

/* The certificate and key, then the CA (when configured) into cred: what
 * the server loads and what --check tries. *key_r and *ca_r get GnuTLS's
 * results; *ca_r is 1 without a CA, 0 for a CA file without certificates. */
static void load_files(gnutls_certificate_credentials_t cred, const struct config *cfg,
		       int *key_r, int *ca_r)
{
	*key_r = gnutls_certificate_set_x509_key_file2(cred, cfg->tls_cert, cfg->tls_key,
						       GNUTLS_X509_FMT_PEM, NULL, 0);
	*ca_r = cfg->tls_ca ? gnutls_certificate_set_x509_trust_file(cred, cfg->tls_ca,
								     GNUTLS_X509_FMT_PEM)
			    : 1;
}

static void ca_error(const struct config *cfg, int r, char *err, size_t err_size)
{
	snprintf(err, err_size, "FTPSD_TLS_CA=%s: %s", cfg->tls_ca,
		 r == 0 ? "no certificates found" : gnutls_strerror(r));
}

static int load_credentials(struct tls_server *ts, const struct config *cfg, char *err,
			    size_t err_size)
{
	int r = gnutls_certificate_allocate_credentials(&ts->cred), ca_r;

	if (r < 0)
		goto fail;
	if (tls_key_exposed(cfg->tls_key, err, err_size) < 0)
		return -EINVAL;
	load_files(ts->cred, cfg, &r, &ca_r);
	if (r < 0) {
		credentials_error(cfg, r, err, err_size);
		return -EINVAL;
	}
	if (ca_r <= 0) {
		ca_error(cfg, ca_r, err, err_size);
		return -EINVAL;
	}
	if (cfg->tls_ca)
		gnutls_certificate_set_verify_function(ts->cred, verify_client);
	return 0;
fail:
	snprintf(err, err_size, "GnuTLS credentials: %s", gnutls_strerror(r));
	return -EINVAL;
}

/* true when the OCSP response's nextUpdate has passed. */
static bool ocsp_is_stale(const char *path)
{
	gnutls_datum_t der = { NULL, 0 };
	gnutls_ocsp_resp_t resp;
	time_t this_update, next_update = 0, revoked;
	unsigned status, reason;
	bool stale = false;

	if (gnutls_load_file(path, &der) < 0)
		return false;
	if (gnutls_ocsp_resp_init(&resp) == 0) {
		if (gnutls_ocsp_resp_import(resp, &der) == 0 &&
		    gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL, &status,
						&this_update, &next_update, &revoked, &reason) == 0)
			stale = next_update != (time_t)-1 && next_update < time(NULL);
		gnutls_ocsp_resp_deinit(resp);
	}
	gnutls_free(der.data);
	return stale;
}

struct tls_server *tls_server_new(const struct config *cfg, char *err, size_t err_size)
{
	struct tls_server *ts = calloc(1, sizeof(*ts));
	const char *errpos = NULL;
	int r;

	if (!ts) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	ts->client_cert = cfg->tls_client_cert;
	if (load_credentials(ts, cfg, err, err_size) < 0)
		goto fail;
	if (cfg->tls_ocsp) {
		/* A missing or stale response only costs the staple: the
		 * session goes on, and the caller logs the warning. */
		r = gnutls_certificate_set_ocsp_status_request_file(ts->cred, cfg->tls_ocsp, 0);
		if (r < 0)
			snprintf(err, err_size, "FTPSD_TLS_OCSP=%s: %s (not stapled)", cfg->tls_ocsp,
				 gnutls_strerror(r));
		else if (ocsp_is_stale(cfg->tls_ocsp))
			snprintf(err, err_size, "FTPSD_TLS_OCSP=%s: the response is past its next update "
				 "(clients will ignore it)", cfg->tls_ocsp);
	}
	r = gnutls_priority_init2(&ts->priority, cfg->tls_priority, &errpos, 0);
	if (r < 0) {
		snprintf(err, err_size, "FTPSD_TLS_PRIORITY: %s at \"%.40s\"", gnutls_strerror(r),
			 errpos ? errpos : "");
		goto fail;
	}
	r = gnutls_session_ticket_key_generate(&ts->ticket_key);
	if (r < 0) {
		snprintf(err, err_size, "ticket key: %s", gnutls_strerror(r));
		goto fail;
	}
	return ts;
fail:
	tls_server_free(ts);
	return NULL;
}

void tls_server_free(struct tls_server *ts)
{
	if (!ts)
		return;
	for (unsigned i = 0; i < SESSION_CACHE_SLOTS; i++)
		slot_clear(&ts->cache[i]);
	if (ts->ticket_key.data)
		gnutls_memset(ts->ticket_key.data, 0, ts->ticket_key.size);
	gnutls_free(ts->ticket_key.data);
	if (ts->priority)
		gnutls_priority_deinit(ts->priority);
	if (ts->cred)
		gnutls_certificate_free_credentials(ts->cred);
	free(ts);
}

int tls_check_credentials(const struct config *cfg, char *err, size_t err_size)
{
	gnutls_x509_crt_t *certs = NULL;
	unsigned ncerts = 0;
	gnutls_datum_t pem = { NULL, 0 };
	time_t now = time(NULL);
	int r, ret = 0;

	r = gnutls_load_file(cfg->tls_cert, &pem);
	if (r >= 0)
		r = gnutls_x509_crt_list_import2(&certs, &ncerts, &pem, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || ncerts == 0) {
		snprintf(err, err_size, "FTPSD_TLS_CERT=%s: %s", cfg->tls_cert,
			 r < 0 ? gnutls_strerror(r) : "no certificate in the file");
		ret = -EINVAL;
		goto out;
	}
	if (gnutls_x509_crt_get_expiration_time(certs[0]) < now) {
		snprintf(err, err_size, "FTPSD_TLS_CERT=%s: the certificate has expired", cfg->tls_cert);
		ret = -EINVAL;
	} else if (gnutls_x509_crt_get_activation_time(certs[0]) > now) {
		snprintf(err, err_size, "FTPSD_TLS_CERT=%s: the certificate is not valid yet",
			 cfg->tls_cert);
		ret = -EINVAL;
	}
out:
	for (unsigned i = 0; i < ncerts; i++)
		gnutls_x509_crt_deinit(certs[i]);
	gnutls_free(certs);
	gnutls_free(pem.data);
	return ret;
}

void tls_check_each(const struct config *cfg, struct config_errors *errs,
		    struct config_errors *warnings)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	const char *errpos = NULL;
	char err[320];
	int r, ca_r;

	bool files_ok = tls_files_diagnose(cfg, errs, warnings) == 0;

	if (files_ok && tls_check_credentials(cfg, err, sizeof(err)) < 0)
		config_error(errs, "%s", err);
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		config_error(errs, "GnuTLS: out of memory");
		return;
	}
	load_files(cred, cfg, &r, &ca_r);
	/* What the diagnosis did not explain, GnuTLS's own words. */
	if (r < 0 && files_ok)
		config_error(errs, "FTPSD_TLS_CERT=%s, FTPSD_TLS_KEY=%s: %s", cfg->tls_cert,
			     cfg->tls_key, gnutls_strerror(r));
	if (ca_r <= 0) {
		ca_error(cfg, ca_r, err, sizeof(err));
		config_error(errs, "%s", err);
	}
	gnutls_certificate_free_credentials(cred);
	r = gnutls_priority_init2(&prio, cfg->tls_priority, &errpos, 0);
	if (r < 0)
		config_error(errs, "FTPSD_TLS_PRIORITY: %s at \"%.40s\"", gnutls_strerror(r),
			     errpos ? errpos : "");
	else
		gnutls_priority_deinit(prio);
}

static int session_setup(struct tls_server *ts, enum tls_role role, int rfd, int wfd,
			 gnutls_session_t *ret)
{
	/* Data connections never send tickets: a client that does not read
	 * them turns its close into an RST that can discard upload data. */
	unsigned flags = GNUTLS_SERVER | GNUTLS_NONBLOCK |
			 (role == TLS_DATA ? GNUTLS_NO_AUTO_SEND_TICKET : 0);
	static const gnutls_datum_t alpn_ftp = { (unsigned char *)"ftp", 3 };
	gnutls_session_t s;
	int r;

	r = gnutls_init(&s, flags);
	if (r < 0)
		return r;
	if ((r = gnutls_priority_set(s, ts->priority)) < 0 ||
	    (r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, ts->cred)) < 0 ||
	    (r = gnutls_session_ticket_enable_server(s, &ts->ticket_key)) < 0 ||
	    /* RFC 7301 §3.2 and ALPACA: a client that offers ALPN must offer ftp. */
	    (r = gnutls_alpn_set_protocols(s, &alpn_ftp, 1, GNUTLS_ALPN_MANDATORY)) < 0) {
		gnutls_deinit(s);
		return r;
	}
	gnutls_db_set_retrieve_function(s, cache_retrieve);
	gnutls_db_set_store_function(s, cache_store);
	gnutls_db_set_remove_function(s, cache_remove);
	gnutls_db_set_ptr(s, ts);
	if (ts->client_cert != CLIENT_CERT_NONE)
		gnutls_certificate_server_set_request(s, ts->client_cert == CLIENT_CERT_REQUIRE
							      ? GNUTLS_CERT_REQUIRE
							      : GNUTLS_CERT_REQUEST);
	gnutls_transport_set_int2(s, rfd, wfd);
	*ret = s;
	return 0;
}

int tls_accept(struct tls_server *ts, enum tls_role role, int rfd, int wfd, int64_t deadline,
	       gnutls_session_t *ret, char *err, size_t err_size)
{
	gnutls_session_t s;
	int r = session_setup(ts, role, rfd, wfd, &s);

	if (r < 0) {
		snprintf(err, err_size, "TLS session setup: %s", gnutls_strerror(r));
		return r;
	}
	for (;;) {
		struct pollfd pfd;

		r = gnutls_handshake(s);
		if (r == 0)
			break;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED &&
		    gnutls_error_is_fatal(r)) {
			snprintf(err, err_size, "TLS handshake failed: %s", gnutls_strerror(r));
			/* Tell the peer why, if the socket still takes it. */
			gnutls_alert_send_appropriate(s, r);
			gnutls_deinit(s);
			return r;
		}
		if (r != GNUTLS_E_AGAIN)
			continue;
		pfd.fd = gnutls_record_get_direction(s) ? wfd : rfd;
		pfd.events = gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
		r = poll(&pfd, 1, ms_until(deadline));
		if (r == 0) {
			snprintf(err, err_size, "TLS handshake timed out");
			gnutls_deinit(s);
			return GNUTLS_E_TIMEDOUT;
		}
	}
	*ret = s;
	return 0;
}

static void copy_dn(gnutls_session_t session, struct tls_info *info)
{
	const gnutls_datum_t *peers;
	unsigned n = 0;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = { NULL, 0 };

	peers = gnutls_certificate_get_peers(session, &n);
	if (!peers || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0)
		snprintf(info->subject, sizeof(info->subject), "%.*s", (int)dn.size, dn.data);
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
}

void tls_describe(gnutls_session_t session, struct tls_info *info)
{
	char name[256];
	size_t name_len = sizeof(name);
	unsigned type = 0;
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(session));
	const char *c = gnutls_cipher_get_name(gnutls_cipher_get(session));

	memset(info, 0, sizeof(*info));
	info->active = true;
	snprintf(info->version, sizeof(info->version), "%s", v ? v : "?");
	snprintf(info->cipher, sizeof(info->cipher), "%s", c ? c : "?");
	if (gnutls_server_name_get(session, name, &name_len, &type, 0) == 0 &&
	    type == GNUTLS_NAME_DNS && name_len < sizeof(info->sni))
		snprintf(info->sni, sizeof(info->sni), "%.*s", (int)name_len, name);
	if (gnutls_certificate_type_get(session) == GNUTLS_CRT_X509 &&
	    gnutls_certificate_get_peers(session, &type) && type > 0) {
		unsigned status = 1;

		info->cert_verified = gnutls_certificate_verify_peers2(session, &status) == 0 &&
				      status == 0;
		copy_dn(session, info);
	}
}

/* Does this one certificate name the user in CN or subjectAltName? */
static bool crt_names_user(gnutls_x509_crt_t crt, const char *user)
{
	char buf[512];
	size_t len;
	int r;

	for (unsigned i = 0;; i++) {
		len = sizeof(buf) - 1;
		r = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, i, 0, buf, &len);
		if (r < 0)
			break;
		buf[len] = '\0';
		if (strlen(buf) == len && strcmp(buf, user) == 0)
			return true;
	}
	for (unsigned i = 0;; i++) {
		len = sizeof(buf) - 1;
		r = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &len, NULL);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r == GNUTLS_SAN_DNSNAME || r == GNUTLS_SAN_RFC822NAME || r == GNUTLS_SAN_URI) {
			buf[len] = '\0';
			/* A name with an embedded NUL is a forgery attempt. */
			if (strlen(buf) == len && strcmp(buf, user) == 0)
				return true;
		}
	}
	return false;
}

bool tls_cert_names_user(gnutls_session_t session, const char *user)
{
	const gnutls_datum_t *peers;
	unsigned n = 0, status = 1;
	gnutls_x509_crt_t crt;
	bool match = false;

	peers = gnutls_certificate_get_peers(session, &n);
	if (!peers || n == 0)
		return false;
	if (gnutls_certificate_verify_peers2(session, &status) < 0 || status != 0)
		return false;
	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0)
		match = crt_names_user(crt, user);
	gnutls_x509_crt_deinit(crt);
	return match;
}

/* A privilege-separated session's logged-in process: the control
 * connection's TLS is in the relay, which sends the ticket when asked. */
static int ticket_relay_fd = -1;

/* No answer is awaited: the relay reads this socket before the reply
 * stream, so a reply sent after the request cannot overtake the ticket. */
static void ask_relay(void)
{
	unsigned char b = TLS_TICKET_REQUEST;

	(void)send(ticket_relay_fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void tls_set_ticket_relay(int fd)
{
	ticket_relay_fd = fd;
}

void tls_relay_session_end(bool by_input)
{
	unsigned char b = by_input ? TLS_SESSION_END_BY_INPUT : TLS_SESSION_END;

	if (ticket_relay_fd < 0)
		return;
	(void)send(ticket_relay_fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(ticket_relay_fd);
	ticket_relay_fd = -1;
}

void tls_refresh_ticket(gnutls_session_t control, int64_t deadline)
{
	int r;

	if (!control) {
		if (ticket_relay_fd >= 0)
			ask_relay();
		return;
	}
	if (gnutls_protocol_get_version(control) != GNUTLS_TLS1_3)
		return;
	while ((r = gnutls_session_ticket_send(control, 1, 0)) == GNUTLS_E_AGAIN ||
	       r == GNUTLS_E_INTERRUPTED) {
		struct pollfd pfd = { .events = POLLOUT };

		gnutls_transport_get_int2(control, &(int){ 0 }, &pfd.fd);
		if (poll(&pfd, 1, ms_until(deadline)) <= 0)
			return;
	}
}
