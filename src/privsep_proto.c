/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "privsep_proto.h"
#include "banned.h"

#define TYPE_LOGIN 'L'
#define TYPE_VERDICT 'R'

/* What a string field may hold. */
enum text_kind {
	TEXT_NAME,      /* a user name: printable, no ':' */
	TEXT_PASSWORD,  /* anything but NUL, CR and LF */
	TEXT_LINE,      /* a TLS fact or HOST argument: no control character */
};

struct writer {
	unsigned char *p;
	size_t cap, len;
	int err;
};

struct reader {
	const unsigned char *p;
	size_t len, off;
	int err;
};

static void put_bytes(struct writer *w, const void *b, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len) {
		w->err = -EMSGSIZE;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void put_u8(struct writer *w, unsigned v)
{
	unsigned char b = (unsigned char)v;

	put_bytes(w, &b, 1);
}

static void put_u16(struct writer *w, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put_bytes(w, b, 2);
}

static bool text_ok(const unsigned char *s, size_t n, enum text_kind kind)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\0' || c == '\r' || c == '\n')
			return false;
		if (kind != TEXT_PASSWORD && (c < 0x20 || c == 0x7f))
			return false;
		if (kind == TEXT_NAME && c == ':')
			return false;
	}
	return true;
}

/* A string field of at most cap-1 bytes (it is kept NUL-terminated). */
static void put_text(struct writer *w, const char *s, size_t cap, enum text_kind kind)
{
	size_t n = strnlen(s, cap);

	if (n >= cap || !text_ok((const unsigned char *)s, n, kind)) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	put_u16(w, (unsigned)n);
	put_bytes(w, s, n);
}

static void put_addr(struct writer *w, const struct sockaddr_storage *ss, bool present)
{
	if (!present) {
		put_u8(w, 0);
		return;
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ss;

		put_u8(w, 4);
		put_bytes(w, &in->sin_addr, 4);
		put_u16(w, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ss;

		put_u8(w, 6);
		put_bytes(w, &in6->sin6_addr, 16);
		put_u16(w, ntohs(in6->sin6_port));
	} else {
		w->err = w->err ? w->err : -EINVAL;
	}
}

static const unsigned char *get_bytes(struct reader *r, size_t n)
{
	const unsigned char *b;

	if (r->err || n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	b = r->p + r->off;
	r->off += n;
	return b;
}

static unsigned get_u8(struct reader *r)
{
	const unsigned char *b = get_bytes(r, 1);

	return b ? b[0] : 0;
}

static unsigned get_u16(struct reader *r)
{
	const unsigned char *b = get_bytes(r, 2);

	return b ? (unsigned)b[0] << 8 | b[1] : 0;
}

static bool get_flag(struct reader *r)
{
	unsigned v = get_u8(r);

	if (v > 1)
		r->err = -EBADMSG;
	return v == 1;
}

static void get_text(struct reader *r, char *out, size_t cap, enum text_kind kind)
{
	size_t n = get_u16(r);
	const unsigned char *b;

	out[0] = '\0';
	if (r->err)
		return;
	if (n >= cap) {
		r->err = -EBADMSG;
		return;
	}
	b = get_bytes(r, n);
	if (!b)
		return;
	if (!text_ok(b, n, kind)) {
		r->err = -EBADMSG;
		return;
	}
	memcpy(out, b, n);
	out[n] = '\0';
}

/* An address must be there exactly when present says so. */
static void get_addr(struct reader *r, struct sockaddr_storage *ss, bool present)
{
	unsigned family = get_u8(r);
	const unsigned char *b;

	memset(ss, 0, sizeof(*ss));
	if (r->err)
		return;
	if (family == 0 && !present)
		return;
	if (family == 4 && present) {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;

		in->sin_family = AF_INET;
		if ((b = get_bytes(r, 4)))
			memcpy(&in->sin_addr, b, 4);
		in->sin_port = htons((uint16_t)get_u16(r));
	} else if (family == 6 && present) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;

		in6->sin6_family = AF_INET6;
		if ((b = get_bytes(r, 16)))
			memcpy(&in6->sin6_addr, b, 16);
		in6->sin6_port = htons((uint16_t)get_u16(r));
	} else {
		r->err = -EBADMSG;
	}
}

int ps_encode_login(const struct ps_login *m, unsigned char *out, size_t cap, size_t *len)
{
	struct writer w = { out, cap, 0, 0 };

	if (m->method > PS_METHOD_CERTIFICATE || m->user[0] == '\0' ||
	    (m->method == PS_METHOD_CERTIFICATE && m->password[0]) || m->input_len > PS_INPUT_MAX ||
	    m->tls_cache_len > PS_TLS_CACHE_MAX || (!m->tls_active && m->tls_cache_len) ||
	    (!m->tls_active && (m->cert_verified || m->pbsz || m->prot_private)))
		return -EINVAL;
	put_u8(&w, TYPE_LOGIN);
	put_u8(&w, m->method);
	put_text(&w, m->user, sizeof(m->user), TEXT_NAME);
	put_text(&w, m->password, sizeof(m->password), TEXT_PASSWORD);
	put_u8(&w, m->tls_active);
	put_u8(&w, m->cert_verified);
	put_text(&w, m->tls_version, sizeof(m->tls_version), TEXT_LINE);
	put_text(&w, m->tls_cipher, sizeof(m->tls_cipher), TEXT_LINE);
	put_text(&w, m->tls_subject, sizeof(m->tls_subject), TEXT_LINE);
	put_text(&w, m->tls_sni, sizeof(m->tls_sni), TEXT_LINE);
	put_u8(&w, m->pbsz);
	put_u8(&w, m->prot_private);
	put_text(&w, m->host, sizeof(m->host), TEXT_LINE);
	put_u8(&w, m->have_peer);
	put_addr(&w, &m->peer, m->have_peer);
	put_addr(&w, &m->local, m->have_peer);
	put_u16(&w, (unsigned)m->input_len);
	put_bytes(&w, m->input, m->input_len);
	put_u16(&w, (unsigned)m->tls_cache_len);
	put_bytes(&w, m->tls_cache, m->tls_cache_len);
	if (w.err)
		return w.err;
	*len = w.len;
	return 0;
}

int ps_decode_login(const unsigned char *p, size_t len, struct ps_login *ret)
{
	struct reader r = { p, len, 0, 0 };
	const unsigned char *b;

	memset(ret, 0, sizeof(*ret));
	if (get_u8(&r) != TYPE_LOGIN)
		return -EBADMSG;
	ret->method = (uint8_t)get_u8(&r);
	get_text(&r, ret->user, sizeof(ret->user), TEXT_NAME);
	get_text(&r, ret->password, sizeof(ret->password), TEXT_PASSWORD);
	ret->tls_active = get_flag(&r);
	ret->cert_verified = get_flag(&r);
	get_text(&r, ret->tls_version, sizeof(ret->tls_version), TEXT_LINE);
	get_text(&r, ret->tls_cipher, sizeof(ret->tls_cipher), TEXT_LINE);
	get_text(&r, ret->tls_subject, sizeof(ret->tls_subject), TEXT_LINE);
	get_text(&r, ret->tls_sni, sizeof(ret->tls_sni), TEXT_LINE);
	ret->pbsz = get_flag(&r);
	ret->prot_private = get_flag(&r);
	get_text(&r, ret->host, sizeof(ret->host), TEXT_LINE);
	ret->have_peer = get_flag(&r);
	get_addr(&r, &ret->peer, ret->have_peer);
	get_addr(&r, &ret->local, ret->have_peer);
	ret->input_len = get_u16(&r);
	if (!r.err && ret->input_len > PS_INPUT_MAX)
		r.err = -EBADMSG;
	if (!r.err && (b = get_bytes(&r, ret->input_len)))
		memcpy(ret->input, b, ret->input_len);
	ret->tls_cache_len = get_u16(&r);
	if (!r.err && ret->tls_cache_len > PS_TLS_CACHE_MAX)
		r.err = -EBADMSG;
	if (!r.err && (b = get_bytes(&r, ret->tls_cache_len)))
		memcpy(ret->tls_cache, b, ret->tls_cache_len);
	/* The rules the encoder keeps, checked again on this side. */
	if (!r.err && (ret->method > PS_METHOD_CERTIFICATE || ret->user[0] == '\0' ||
		       (ret->method == PS_METHOD_CERTIFICATE && ret->password[0]) ||
		       (!ret->tls_active && (ret->cert_verified || ret->pbsz || ret->prot_private ||
					     ret->tls_cache_len)) ||
		       r.off != r.len))
		r.err = -EBADMSG;
	if (r.err) {
		memset(ret, 0, sizeof(*ret));
		return r.err;
	}
	return 0;
}

int ps_encode_verdict(enum ps_verdict v, unsigned char *out, size_t cap, size_t *len)
{
	if ((unsigned)v > PS_DECLINED)
		return -EINVAL;
	if (cap < 2)
		return -EMSGSIZE;
	out[0] = TYPE_VERDICT;
	out[1] = (unsigned char)v;
	*len = 2;
	return 0;
}

int ps_decode_verdict(const unsigned char *p, size_t len, enum ps_verdict *ret)
{
	if (len != 2 || p[0] != TYPE_VERDICT || p[1] > PS_DECLINED)
		return -EBADMSG;
	*ret = (enum ps_verdict)p[1];
	return 0;
}
