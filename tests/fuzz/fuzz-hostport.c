/* SPDX-License-Identifier: ISC */
/* Fuzz target: the PORT, EPRT and EPSV argument parsers and the PASV
 * formatter (src/hostport.c), plus the sockaddr helpers around them.
 *
 * The input, NUL-terminated, is the argument given to all three parsers
 * (exactly as cmd_params.c passes it). Checks:
 *   - hostport_parse_port accepts exactly "h1,h2,h3,h4,p1,p2" with 1-5
 *     digit fields each <= 255 (reference split); a parsed address
 *     formatted by hostport_format_pasv re-parses to the same address and
 *     port, and formats again to the same text (round trip);
 *   - hostport_parse_eprt: 0, -EINVAL or -EAFNOSUPPORT only; on success the
 *     family is AF_INET/AF_INET6, the port is 1-65535, the argument has
 *     exactly four delimiters, and "|f|inet_ntop(addr)|port|" re-parses to
 *     the same address; -EAFNOSUPPORT only for a numeric family other than
 *     1 and 2;
 *   - hostport_parse_epsv matches the RFC 2428 reference table;
 *   - hostport_format_pasv with an address, port and buffer size taken from
 *     the input never writes past the buffer (exact-size heap buffer),
 *     returns a length < size or -ENOSPC exactly when the text is longer;
 *   - sockaddr_host_string never overflows a small buffer and always
 *     terminates it; sockaddr_same_host is reflexive and symmetric. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostport.h"
#include "fuzz.h"

/* Reference for PORT: six comma-separated decimal fields, each 1-5
 * digits and <= 255, nothing else. */
static int ref_port(const char *s, unsigned n[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		int d = 0;

		while (*s >= '0' && *s <= '9') {
			if (++d > 5)
				return -1;
			v = v * 10 + (unsigned)(*s++ - '0');
		}
		if (d == 0 || v > 255)
			return -1;
		n[i] = v;
		if (*s++ != (i < 5 ? ',' : '\0'))
			return -1;
	}
	return 0;
}

static void check_port(const char *arg)
{
	struct sockaddr_in sin, again;
	unsigned n[6];
	char buf[32], buf2[32];
	int r = hostport_parse_port(arg, &sin);

	CHECK(r == 0 || r == -EINVAL);
	CHECK((r == 0) == (ref_port(arg, n) == 0));
	if (r < 0)
		return;
	CHECK(sin.sin_family == AF_INET);
	CHECK(ntohl(sin.sin_addr.s_addr) == (n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3]));
	CHECK(ntohs(sin.sin_port) == (n[4] << 8 | n[5]));
	r = hostport_format_pasv(&sin.sin_addr, ntohs(sin.sin_port), buf, sizeof(buf));
	CHECK(r > 0 && (size_t)r == strlen(buf));
	CHECK(hostport_parse_port(buf, &again) == 0);
	CHECK(again.sin_addr.s_addr == sin.sin_addr.s_addr && again.sin_port == sin.sin_port);
	CHECK(hostport_format_pasv(&again.sin_addr, ntohs(again.sin_port), buf2, sizeof(buf2)) == r);
	CHECK(strcmp(buf, buf2) == 0);
}

static void check_eprt(const char *arg)
{
	struct sockaddr_storage ss, again;
	char host[INET6_ADDRSTRLEN], text[128];
	int r = hostport_parse_eprt(arg, &ss);
	unsigned port, delims = 0;
	char d = arg[0];

	CHECK(r == 0 || r == -EINVAL || r == -EAFNOSUPPORT);
	if (r == -EAFNOSUPPORT) {
		/* "|<digits other than 1 or 2>|" */
		size_t k = strspn(arg + 1, "0123456789");

		CHECK(k >= 1 && k <= 5 && arg[1 + k] == d);
		CHECK(!(k == 1 && (arg[1] == '1' || arg[1] == '2')));
	}
	if (r < 0)
		return;
	for (const char *p = arg; *p; p++)
		delims += *p == d;
	CHECK(delims == 4 && arg[strlen(arg) - 1] == d);
	CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	port = sockaddr_port(&ss);
	CHECK(port >= 1 && port <= 65535);
	if (ss.ss_family == AF_INET)
		CHECK(inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host)));
	else
		CHECK(inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host)));
	snprintf(text, sizeof(text), "%c%d%c%s%c%u%c", d, ss.ss_family == AF_INET ? 1 : 2, d, host,
		 d, port, d);
	CHECK(hostport_parse_eprt(text, &again) == 0);
	CHECK(again.ss_family == ss.ss_family && sockaddr_port(&again) == port);
	CHECK(sockaddr_same_host(&ss, &again));
}

static void check_epsv(const char *arg)
{
	int fam = 12345, r = hostport_parse_epsv(arg, &fam);
	size_t len = strlen(arg);

	if (len == 0)
		CHECK(r == 0 && fam == 0);
	else if (strcasecmp(arg, "all") == 0)
		CHECK(r == 0 && fam == EPSV_ALL);
	else if (strcmp(arg, "1") == 0)
		CHECK(r == 0 && fam == AF_INET);
	else if (strcmp(arg, "2") == 0)
		CHECK(r == 0 && fam == AF_INET6);
	else if (len <= 5 && strspn(arg, "0123456789") == len)
		CHECK(r == -EAFNOSUPPORT);
	else
		CHECK(r == -EINVAL);
}

/* Reads bytes from the input, zeros past its end. */
struct reader {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct reader *r, int bytes)
{
	uint32_t v = 0;

	for (int i = 0; i < bytes; i++) {
		v = v << 8 | (r->n ? *r->p : 0);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

static void make_addr(struct reader *r, struct sockaddr_storage *ss)
{
	unsigned kind = take(r, 1) % 5;

	memset(ss, 0, sizeof(*ss));
	if (kind == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = take(r, 4);
		sin->sin_port = (uint16_t)take(r, 2);
	} else if (kind <= 2) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		for (int i = 0; i < 16; i++)
			sin6->sin6_addr.s6_addr[i] = (uint8_t)take(r, 1);
		if (kind == 2) {   /* IPv4-mapped */
			memset(sin6->sin6_addr.s6_addr, 0, 10);
			sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff;
		}
		sin6->sin6_port = (uint16_t)take(r, 2);
	} else {
		ss->ss_family = kind == 3 ? AF_UNIX : 0;
	}
}

static void check_formatters(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct in_addr a = { take(&r, 4) };
	unsigned port = take(&r, 4);
	size_t bsize = take(&r, 1) % 40;
	char full[64], *buf = malloc(bsize ? bsize : 1);
	int n, want = snprintf(full, sizeof(full), "%u,%u,%u,%u,%u,%u", ntohl(a.s_addr) >> 24,
			       (ntohl(a.s_addr) >> 16) & 255, (ntohl(a.s_addr) >> 8) & 255,
			       ntohl(a.s_addr) & 255, (port >> 8) & 255, port & 255);
	struct sockaddr_storage x, y;

	CHECK(buf);
	n = hostport_format_pasv(&a, port, buf, bsize);
	if ((size_t)want < bsize) {
		struct sockaddr_in back;

		CHECK(n == want && strcmp(buf, full) == 0);
		CHECK(hostport_parse_port(buf, &back) == 0);
		CHECK(back.sin_addr.s_addr == a.s_addr && ntohs(back.sin_port) == (port & 0xffff));
	} else {
		CHECK(n == -ENOSPC);
	}
	free(buf);

	make_addr(&r, &x);
	make_addr(&r, &y);
	bsize = take(&r, 1) % 64;
	buf = malloc(bsize ? bsize : 1);
	CHECK(buf);
	sockaddr_host_string(&x, buf, bsize);
	if (bsize)
		CHECK(strnlen(buf, bsize) < bsize);
	free(buf);
	if (x.ss_family == AF_INET || x.ss_family == AF_INET6)
		CHECK(sockaddr_same_host(&x, &x));
	CHECK(!sockaddr_same_host(&x, &y) == !sockaddr_same_host(&y, &x));
	(void)sockaddr_is_unspecified(&x);
	CHECK(sockaddr_port(&x) <= 65535);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = malloc(size + 1);

	if (!arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	check_port(arg);
	check_eprt(arg);
	check_epsv(arg);
	check_formatters(data, size);
	free(arg);
	return 0;
}
