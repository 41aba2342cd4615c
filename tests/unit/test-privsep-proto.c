/* SPDX-License-Identifier: ISC */
/* The monitor's messages (src/privsep_proto.c): what the encoder refuses
 * to send, and what the decoder refuses to take, one row per case. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "tap.h"
#include "privsep_proto.h"

static struct ps_login base(void)
{
	struct ps_login m;
	struct sockaddr_in *p = (struct sockaddr_in *)(void *)&m.peer;
	struct sockaddr_in6 *l = (struct sockaddr_in6 *)(void *)&m.local;

	memset(&m, 0, sizeof(m));
	m.method = PS_METHOD_PASSWORD;
	strcpy(m.user, "alice");
	strcpy(m.password, "pw with spaces\x01\xff");
	m.tls_active = true;
	strcpy(m.tls_version, "TLS1.3");
	strcpy(m.tls_cipher, "AES-256-GCM");
	strcpy(m.tls_subject, "CN=alice,O=Example");
	strcpy(m.tls_sni, "ftp.example.org");
	m.pbsz = m.prot_private = true;
	strcpy(m.host, "ftp.example.org");
	m.have_peer = true;
	p->sin_family = AF_INET;
	p->sin_port = htons(54321);
	inet_pton(AF_INET, "192.0.2.7", &p->sin_addr);
	l->sin6_family = AF_INET6;
	l->sin6_port = htons(21);
	inet_pton(AF_INET6, "2001:db8::1", &l->sin6_addr);
	memcpy(m.input, "NOOP\r\nPWD\r\n", 11);
	m.input_len = 11;
	return m;
}

/* Encoder rows: a change to the valid message, and what encoding says. */
static void e_none(struct ps_login *m) { (void)m; }
static void e_cert(struct ps_login *m) { m->method = PS_METHOD_CERTIFICATE; m->password[0] = 0; }
static void e_cert_pw(struct ps_login *m) { m->method = PS_METHOD_CERTIFICATE; }
static void e_method(struct ps_login *m) { m->method = 2; }
static void e_no_user(struct ps_login *m) { m->user[0] = 0; }
static void e_colon(struct ps_login *m) { strcpy(m->user, "a:b"); }
static void e_ctl_user(struct ps_login *m) { strcpy(m->user, "a\tb"); }
static void e_long_user(struct ps_login *m) { memset(m->user, 'u', USER_NAME_MAX - 1); m->user[USER_NAME_MAX - 1] = 0; }
static void e_unterminated_user(struct ps_login *m) { memset(m->user, 'u', USER_NAME_MAX); }
static void e_pw_lf(struct ps_login *m) { strcpy(m->password, "a\nb"); }
static void e_pw_max(struct ps_login *m) { memset(m->password, 'p', LINE_MAX_BYTES); m->password[LINE_MAX_BYTES] = 0; }
static void e_sni_ctl(struct ps_login *m) { strcpy(m->tls_sni, "x\x1b[31m"); }
static void e_plain_prot(struct ps_login *m) { m->tls_active = false; }
static void e_plain(struct ps_login *m)
{
	m->tls_active = m->pbsz = m->prot_private = m->cert_verified = false;
	m->tls_version[0] = m->tls_cipher[0] = 0;
}
static void e_no_peer(struct ps_login *m) { m->have_peer = false; }
static void e_unix_peer(struct ps_login *m) { m->peer.ss_family = AF_UNIX; }
static void e_input_max(struct ps_login *m) { memset(m->input, 'x', PS_INPUT_MAX); m->input_len = PS_INPUT_MAX; }
static void e_input_over(struct ps_login *m) { m->input_len = PS_INPUT_MAX + 1; }
static void e_cache(struct ps_login *m) { memset(m->tls_cache, 7, 300); m->tls_cache_len = 300; }
static void e_cache_max(struct ps_login *m) { m->tls_cache_len = PS_TLS_CACHE_MAX; e_input_max(m); e_pw_max(m); }
static void e_cache_over(struct ps_login *m) { m->tls_cache_len = PS_TLS_CACHE_MAX + 1; }
static void e_cache_plain(struct ps_login *m) { e_plain(m); e_cache(m); }

static const struct {
	const char *name;
	void (*change)(struct ps_login *m);
	int want;
} encode_rows[] = {
	{ "a password login", e_none, 0 },
	{ "a certificate login", e_cert, 0 },
	{ "a certificate login with a password", e_cert_pw, -EINVAL },
	{ "an unknown method", e_method, -EINVAL },
	{ "no user name", e_no_user, -EINVAL },
	{ "a ':' in the name", e_colon, -EINVAL },
	{ "a control byte in the name", e_ctl_user, -EINVAL },
	{ "the longest name", e_long_user, 0 },
	{ "a name filling its buffer", e_unterminated_user, -EINVAL },
	{ "LF in the password", e_pw_lf, -EINVAL },
	{ "the longest password", e_pw_max, 0 },
	{ "a control byte in the server name", e_sni_ctl, -EINVAL },
	{ "PROT P without TLS", e_plain_prot, -EINVAL },
	{ "plaintext", e_plain, 0 },
	{ "no peer (a pipe)", e_no_peer, 0 },
	{ "a peer that is not IP", e_unix_peer, -EINVAL },
	{ "the most input", e_input_max, 0 },
	{ "input past the limit", e_input_over, -EINVAL },
	{ "a TLS cache entry", e_cache, 0 },
	{ "every field at its limit (fits PS_MSG_MAX)", e_cache_max, 0 },
	{ "a TLS cache entry past the limit", e_cache_over, -EINVAL },
	{ "a TLS cache entry without TLS", e_cache_plain, -EINVAL },
};

/* Decoder rows: the valid message's bytes, changed at an offset. */
enum edit { KEEP, TRUNCATE, APPEND, SET };
static const struct {
	const char *name;
	enum edit edit;
	long at;            /* negative: from the end */
	unsigned char byte;
	int want;
} decode_rows[] = {
	{ "the valid message", KEEP, 0, 0, 0 },
	{ "empty", TRUNCATE, 0, 0, -EBADMSG },
	{ "only the type", TRUNCATE, 1, 0, -EBADMSG },
	{ "one byte short", TRUNCATE, -1, 0, -EBADMSG },
	{ "one byte more", APPEND, 0, 'x', -EBADMSG },
	{ "another type", SET, 0, 'R', -EBADMSG },
	{ "method 2", SET, 1, 2, -EBADMSG },
	{ "certificate with a password", SET, 1, 1, -EBADMSG },
	{ "user length 0", SET, 3, 0, -EBADMSG },
	{ "user length past the message", SET, 2, 0x7f, -EBADMSG },
	{ "user length 256 (no room for NUL)", SET, 2, 1, -EBADMSG },
	{ "NUL in the user name", SET, 4, 0, -EBADMSG },
	{ "':' in the user name", SET, 5, ':', -EBADMSG },
	{ "input length one past the bytes", SET, -14, 12, -EBADMSG },
	{ "input length 0 with bytes after it", SET, -14, 0, -EBADMSG },
	{ "a cache entry length past the end", SET, -1, 1, -EBADMSG },
	{ "a cache entry length over the limit", SET, -2, 0x40, -EBADMSG },
};

int main(void)
{
	static unsigned char buf[PS_MSG_MAX], edited[PS_MSG_MAX + 1];
	static struct ps_login m, got;
	size_t len = 0;
	enum ps_verdict v;

	for (size_t i = 0; i < sizeof(encode_rows) / sizeof(encode_rows[0]); i++) {
		int r;

		m = base();
		encode_rows[i].change(&m);
		r = ps_encode_login(&m, buf, sizeof(buf), &len);
		is_int(r, encode_rows[i].want, "encode: %s", encode_rows[i].name);
		if (r == 0) {
			/* What is sent is what the other side takes. */
			is_int(ps_decode_login(buf, len, &got), 0, "decode: %s", encode_rows[i].name);
			ok(strcmp(got.user, m.user) == 0 && strcmp(got.password, m.password) == 0 &&
			   got.method == m.method && got.tls_active == m.tls_active &&
			   got.prot_private == m.prot_private && strcmp(got.tls_sni, m.tls_sni) == 0 &&
			   strcmp(got.host, m.host) == 0 && got.have_peer == m.have_peer &&
			   got.input_len == m.input_len && memcmp(got.input, m.input, m.input_len) == 0 &&
			   got.tls_cache_len == m.tls_cache_len &&
			   memcmp(got.tls_cache, m.tls_cache, m.tls_cache_len) == 0,
			   "round trip: %s", encode_rows[i].name);
			if (m.have_peer)
				ok(memcmp(&got.peer, &m.peer, sizeof(struct sockaddr_in)) == 0 &&
				   memcmp(&got.local, &m.local, sizeof(struct sockaddr_in6)) == 0,
				   "round trip of the addresses: %s", encode_rows[i].name);
		}
	}
	is_int(ps_encode_login(&(struct ps_login){ .method = 0, .user = "a" }, buf, 8, &len), -EMSGSIZE,
	       "encode: a buffer too small");

	m = base();
	if (ps_encode_login(&m, buf, sizeof(buf), &len) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(decode_rows) / sizeof(decode_rows[0]); i++) {
		size_t n = len, at;

		memcpy(edited, buf, len);
		at = decode_rows[i].at < 0 ? len - (size_t)-decode_rows[i].at : (size_t)decode_rows[i].at;
		switch (decode_rows[i].edit) {
		case KEEP:
			break;
		case TRUNCATE:
			n = at;
			break;
		case APPEND:
			edited[n++] = decode_rows[i].byte;
			break;
		case SET:
			edited[at] = decode_rows[i].byte;
			break;
		}
		is_int(ps_decode_login(edited, n, &got), decode_rows[i].want, "decode: %s",
		       decode_rows[i].name);
		if (decode_rows[i].want < 0)
			ok(got.user[0] == 0 && got.password[0] == 0, "decode: %s leaves nothing behind",
			   decode_rows[i].name);
	}

	is_int(ps_encode_verdict(PS_FAILED_LAST, buf, sizeof(buf), &len), 0, "verdict: encoded");
	is_int(ps_decode_verdict(buf, len, &v), 0, "verdict: decoded");
	is_int(v, PS_FAILED_LAST, "verdict: the same");
	is_int(ps_decode_verdict((const unsigned char *)"R\x04", 2, &v), -EBADMSG, "verdict: 4 is none");
	is_int(ps_decode_verdict((const unsigned char *)"R\x00x", 3, &v), -EBADMSG, "verdict: a byte more");
	is_int(ps_decode_verdict((const unsigned char *)"L\x00", 2, &v), -EBADMSG, "verdict: another type");
	is_int(ps_encode_verdict((enum ps_verdict)9, buf, sizeof(buf), &len), -EINVAL, "verdict: 9 is not sent");
	return done_testing();
}
