/* SPDX-License-Identifier: ISC */
/* The PROXY protocol header, versions 1 and 2 (HAProxy's specification,
 * "The PROXY protocol", section 2): how long it is, and what it says. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "proxy.h"
#include "banned.h"

static const unsigned char v2_signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};
static const char v1_prefix[] = "PROXY ";
#define V1_PREFIX_LEN (sizeof(v1_prefix) - 1)
/* "PROXY UNKNOWN\r\n": no version 1 header is shorter, no version 2
 * header either, so this much can always be read at once. */
#define V1_MIN 15

/* Version 2, the byte after the signature: version and command. */
enum { V2_VERSION = 0x20, V2_LOCAL = 0x00, V2_PROXY = 0x01 };
/* Version 2, the next byte: address family and transport. */
enum {
	V2_UNSPEC = 0x00,
	V2_TCP4 = 0x11,
	V2_TCP6 = 0x21,
	V2_UNIX_STREAM = 0x31,
};
/* Sizes of the address blocks that follow the fixed part. */
enum { V2_ADDR_INET = 12, V2_ADDR_INET6 = 36, V2_ADDR_UNIX = 216 };

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static int v1_need(const unsigned char *p, size_t len)
{
	if (memcmp(p, v1_prefix, min_size(len, V1_PREFIX_LEN)) != 0)
		return -EPROTO;
	/* A CR or LF before the end is not where a line ends. */
	for (size_t i = 0; i < len; i++) {
		bool line_end = i + 1 == len && i > 0 && p[i - 1] == '\r';

		if ((p[i] == '\n' && !line_end) || (p[i] == '\r' && i + 2 < len))
			return -EPROTO;
	}
	if (len > PROXY_V1_MAX)
		return -EMSGSIZE;
	if (len >= 2 && p[len - 2] == '\r' && p[len - 1] == '\n')
		return len >= V1_MIN ? 0 : -EPROTO;
	if (len == PROXY_V1_MAX)
		return -EMSGSIZE;
	if (len < V1_MIN)
		return (int)(V1_MIN - len);
	return 1;
}

static int v2_need(const unsigned char *p, size_t len)
{
	size_t total;

	if (memcmp(p, v2_signature, min_size(len, sizeof(v2_signature))) != 0)
		return -EPROTO;
	if (len > sizeof(v2_signature) && (p[12] & 0xf0) != V2_VERSION)
		return -EPROTO;
	if (len < PROXY_V2_FIXED)
		return (int)(PROXY_V2_FIXED - len);
	total = (size_t)p[14] << 8 | p[15];
	if (total > PROXY_V2_MAX_BODY)
		return -EMSGSIZE;
	total += PROXY_V2_FIXED;
	if (len > total)
		return -EPROTO;
	return (int)(total - len);
}

int proxy_need(const void *ptr, size_t len)
{
	const unsigned char *p = ptr;

	if (len == 0)
		return V1_MIN;
	if (p[0] == v1_prefix[0])
		return v1_need(p, len);
	return v2_need(p, len);
}

/* One space-separated field of a version 1 line: [*s, end of field). */
static int v1_field(const char **s, const char *end, char *out, size_t size)
{
	const char *sp = memchr(*s, ' ', (size_t)(end - *s));
	size_t n = (sp ? sp : end) - *s;

	if (n == 0 || n >= size)
		return -EPROTO;
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	if (sp)
		(*s)++;   /* the one space */
	return 0;
}

/* 0-65535 in decimal, no sign, no leading zero. */
static int v1_port(const char *text, in_port_t *ret)
{
	unsigned long v = 0;

	if (!*text || (text[0] == '0' && text[1]))
		return -EPROTO;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EPROTO;
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > 65535)
			return -EPROTO;
	}
	*ret = htons((in_port_t)v);
	return 0;
}

static int set_address(int family, const char *host, const char *port,
		       struct sockaddr_storage *ss)
{
	in_port_t nport;

	if (v1_port(port, &nport) < 0)
		return -EPROTO;
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = nport;
		return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EPROTO;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = nport;
		return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ? 0 : -EPROTO;
	}
}

static int v1_parse(const char *s, size_t len, struct proxy_header *h)
{
	const char *end = s + len - 2;   /* at the CRLF */
	char proto[8], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sport[6], dport[6];

	s += V1_PREFIX_LEN;
	if (v1_field(&s, end, proto, sizeof(proto)) < 0)
		return -EPROTO;
	if (strcmp(proto, "UNKNOWN") == 0) {
		/* The rest of the line, if any, is to be ignored. */
		h->local = true;
		return 0;
	}
	if (strcmp(proto, "TCP4") == 0)
		h->family = AF_INET;
	else if (strcmp(proto, "TCP6") == 0)
		h->family = AF_INET6;
	else
		return -EPROTO;
	if (v1_field(&s, end, src, sizeof(src)) < 0 || v1_field(&s, end, dst, sizeof(dst)) < 0 ||
	    v1_field(&s, end, sport, sizeof(sport)) < 0 || s == end ||
	    v1_field(&s, end, dport, sizeof(dport)) < 0 || s != end || end[-1] == ' ')
		return -EPROTO;
	if (set_address(h->family, src, sport, &h->src) < 0 ||
	    set_address(h->family, dst, dport, &h->dst) < 0)
		return -EPROTO;
	return 0;
}

/* The TLVs after the addresses are skipped, but must tile the rest of
 * the header exactly: a TLV running past it is a malformed header. */
static int v2_check_tlvs(const unsigned char *p, size_t len)
{
	while (len > 0) {
		size_t n;

		if (len < 3)
			return -EPROTO;
		n = 3 + ((size_t)p[1] << 8 | p[2]);
		if (n > len)
			return -EPROTO;
		p += n;
		len -= n;
	}
	return 0;
}

static void v2_inet(const unsigned char *a, struct proxy_header *h)
{
	struct sockaddr_in *src = (struct sockaddr_in *)&h->src;
	struct sockaddr_in *dst = (struct sockaddr_in *)&h->dst;

	memset(&h->src, 0, sizeof(h->src));
	memset(&h->dst, 0, sizeof(h->dst));
	src->sin_family = dst->sin_family = AF_INET;
	memcpy(&src->sin_addr, a, 4);
	memcpy(&dst->sin_addr, a + 4, 4);
	memcpy(&src->sin_port, a + 8, 2);
	memcpy(&dst->sin_port, a + 10, 2);
}

static void v2_inet6(const unsigned char *a, struct proxy_header *h)
{
	struct sockaddr_in6 *src = (struct sockaddr_in6 *)&h->src;
	struct sockaddr_in6 *dst = (struct sockaddr_in6 *)&h->dst;

	memset(&h->src, 0, sizeof(h->src));
	memset(&h->dst, 0, sizeof(h->dst));
	src->sin6_family = dst->sin6_family = AF_INET6;
	memcpy(&src->sin6_addr, a, 16);
	memcpy(&dst->sin6_addr, a + 16, 16);
	memcpy(&src->sin6_port, a + 32, 2);
	memcpy(&dst->sin6_port, a + 34, 2);
}

static int v2_parse(const unsigned char *p, size_t len, struct proxy_header *h)
{
	const unsigned char *body = p + PROXY_V2_FIXED;
	size_t body_len = len - PROXY_V2_FIXED, addr_len;
	unsigned command = p[12] & 0x0f;

	if (command == V2_LOCAL) {
		/* Whatever follows describes nothing we use. */
		h->local = true;
		return 0;
	}
	if (command != V2_PROXY)
		return -EPROTO;
	switch (p[13]) {
	case V2_UNSPEC:
		h->family = AF_UNSPEC;
		addr_len = 0;
		break;
	case V2_TCP4:
		h->family = AF_INET;
		addr_len = V2_ADDR_INET;
		break;
	case V2_TCP6:
		h->family = AF_INET6;
		addr_len = V2_ADDR_INET6;
		break;
	case V2_UNIX_STREAM:
		h->family = AF_UNIX;
		addr_len = V2_ADDR_UNIX;
		break;
	default:
		/* UDP, unix datagrams, or values the specification does not define. */
		return (p[13] >> 4) <= 3 && (p[13] & 0x0f) <= 2 ? -EAFNOSUPPORT : -EPROTO;
	}
	if (body_len < addr_len)
		return -EPROTO;
	if (h->family == AF_INET)
		v2_inet(body, h);
	else if (h->family == AF_INET6)
		v2_inet6(body, h);
	return v2_check_tlvs(body + addr_len, body_len - addr_len);
}

int proxy_parse(const void *ptr, size_t len, struct proxy_header *h)
{
	const unsigned char *p = ptr;
	int r = proxy_need(p, len);

	memset(h, 0, sizeof(*h));
	if (r != 0)
		return r < 0 ? r : -EPROTO;
	h->length = len;
	h->family = AF_UNSPEC;
	if (p[0] == v1_prefix[0]) {
		h->version = 1;
		r = v1_parse(ptr, len, h);
	} else {
		h->version = 2;
		r = v2_parse(p, len, h);
	}
	if (r < 0) {
		memset(h, 0, sizeof(*h));
		return r;
	}
	return 0;
}
