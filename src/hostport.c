/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostport.h"
#include "util.h"
#include "banned.h"

/* A decimal number in [0, max] with 1-5 digits, ending where the digits
 * end; advances *p past them. */
static int parse_field(const char **p, unsigned max, unsigned *ret)
{
	size_t digits = strspn(*p, "0123456789");
	uint64_t v;

	if (digits > 5 || parse_decimal(*p, digits, max, &v) < 0)
		return -EINVAL;
	*p += digits;
	*ret = (unsigned)v;
	return 0;
}

int hostport_parse_port(const char *arg, struct sockaddr_in *ret)
{
	unsigned n[6];
	const char *p = arg;

	for (int i = 0; i < 6; i++) {
		if (parse_field(&p, 255, &n[i]) < 0)
			return -EINVAL;
		if (*p != (i < 5 ? ',' : '\0'))
			return -EINVAL;
		p++;
	}
	memset(ret, 0, sizeof(*ret));
	ret->sin_family = AF_INET;
	ret->sin_addr.s_addr = htonl(n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3]);
	ret->sin_port = htons((uint16_t)(n[4] << 8 | n[5]));
	return 0;
}

int hostport_parse_eprt(const char *arg, struct sockaddr_storage *ret)
{
	char delim = arg[0];
	char host[INET6_ADDRSTRLEN];
	const char *p, *end;
	unsigned family, port;

	/* RFC 2428 §2: the delimiter is any printable ASCII character (33-126)
	 * that cannot appear in the fields; digits and address characters
	 * would make the split ambiguous. */
	if (delim < 33 || delim > 126 || (delim >= '0' && delim <= '9') ||
	    (delim >= 'a' && delim <= 'f') || (delim >= 'A' && delim <= 'F') ||
	    delim == '.' || delim == ':')
		return -EINVAL;
	p = arg + 1;
	if (parse_field(&p, 65535, &family) < 0 || *p++ != delim)
		return -EINVAL;
	end = strchr(p, delim);
	if (!end || end == p || (size_t)(end - p) >= sizeof(host))
		return -EINVAL;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	p = end + 1;
	if (parse_field(&p, 65535, &port) < 0 || port == 0 || *p++ != delim || *p != '\0')
		return -EINVAL;

	memset(ret, 0, sizeof(*ret));
	if (family == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ret;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
	} else if (family == 2) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
	} else {
		return -EAFNOSUPPORT;
	}
	sockaddr_set_port(ret, port);
	return 0;
}

int hostport_parse_epsv(const char *arg, int *ret_family)
{
	if (arg[0] == '\0')
		*ret_family = 0;
	else if (strcasecmp(arg, "ALL") == 0)
		*ret_family = EPSV_ALL;
	else if (strcmp(arg, "1") == 0)
		*ret_family = AF_INET;
	else if (strcmp(arg, "2") == 0)
		*ret_family = AF_INET6;
	else if (strspn(arg, "0123456789") == strlen(arg) && strlen(arg) <= 5)
		return -EAFNOSUPPORT;
	else
		return -EINVAL;
	return 0;
}

int hostport_format_pasv(const struct in_addr *addr, unsigned port, char *buf, size_t size)
{
	uint32_t a = ntohl(addr->s_addr);
	int n = snprintf(buf, size, "%u,%u,%u,%u,%u,%u", a >> 24, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255, (port >> 8) & 255, port & 255);

	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

unsigned sockaddr_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void sockaddr_set_port(struct sockaddr_storage *sa, unsigned port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

int sockaddr_ipv4(const struct sockaddr_storage *sa, struct in_addr *ret)
{
	if (sa->ss_family == AF_INET) {
		*ret = ((const struct sockaddr_in *)sa)->sin_addr;
		return 1;
	}
	if (sa->ss_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(&ret->s_addr, a6->s6_addr + 12, 4);
			return 1;
		}
	}
	return 0;
}

int sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct in_addr a4, b4;
	int va = sockaddr_ipv4(a, &a4), vb = sockaddr_ipv4(b, &b4);

	if (va || vb)
		return va && vb && a4.s_addr == b4.s_addr;
	if (a->ss_family != AF_INET6 || b->ss_family != AF_INET6)
		return 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

int sockaddr_is_unspecified(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (sa->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

void sockaddr_host_string(const struct sockaddr_storage *sa, char *buf, size_t size)
{
	struct in_addr a4;
	const void *src = NULL;
	int family = AF_INET;

	if (sockaddr_ipv4(sa, &a4)) {
		src = &a4;
	} else if (sa->ss_family == AF_INET6) {
		src = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		family = AF_INET6;
	}
	if (!src || !inet_ntop(family, src, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}
