/* SPDX-License-Identifier: ISC */
/* Address and CIDR lists: parsing and membership. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "netlist.h"
#include "banned.h"

static bool is_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/* The prefix length after '/': 0 to max, decimal, no leading zero. */
static int parse_prefix(const char *s, size_t len, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Host bits set under the prefix ("192.0.2.1/24") are a typo more often
 * than not: refused rather than guessed at. */
static bool host_bits_clear(const struct net *n)
{
	unsigned bytes = n->family == AF_INET ? 4 : 16;

	for (unsigned bit = n->prefix; bit < bytes * 8; bit++)
		if (n->addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int net_parse(const char *s, size_t len, struct net *n)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', len);
	size_t hlen = slash ? (size_t)(slash - s) : len;

	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, host, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, host, n->addr) == 1)
		n->family = AF_INET6;
	else
		return -EINVAL;
	n->prefix = n->family == AF_INET ? 32 : 128;
	if (slash && parse_prefix(slash + 1, len - hlen - 1, n->prefix, &n->prefix) < 0)
		return -EINVAL;
	return host_bits_clear(n) ? 0 : -EINVAL;
}

int netlist_parse(const char *s, size_t len, struct netlist *ret, size_t *bad)
{
	size_t i = 0;

	ret->count = 0;
	for (;;) {
		size_t start, n;

		while (i < len && is_separator(s[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_separator(s[i]))
			i++;
		n = i - start;
		if (ret->count == NETLIST_MAX) {
			if (bad)
				*bad = start;
			return -E2BIG;
		}
		if (net_parse(s + start, n, &ret->net[ret->count]) < 0) {
			if (bad)
				*bad = start;
			return -EINVAL;
		}
		ret->count++;
	}
	if (bad)
		*bad = 0;
	return ret->count ? 0 : -EINVAL;
}

static bool prefix_matches(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (0xff00 >> rest)) == 0;
}

bool net_any_contains(const struct net *nets, unsigned count, const struct sockaddr *sa)
{
	unsigned char addr[16];
	int family;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			family = AF_INET;
			memcpy(addr, &a6->s6_addr[12], 4);
		} else {
			family = AF_INET6;
			memcpy(addr, a6->s6_addr, 16);
		}
	} else {
		return false;
	}
	for (unsigned i = 0; i < count; i++)
		if (nets[i].family == family && prefix_matches(nets[i].addr, addr, nets[i].prefix))
			return true;
	return false;
}

bool netlist_contains(const struct netlist *list, const struct sockaddr_storage *sa)
{
	return net_any_contains(list->net, list->count, (const struct sockaddr *)sa);
}
