/* SPDX-License-Identifier: ISC */
/* A list of networks (addresses and CIDR prefixes, IPv4 and IPv6), as in
 * FTPSD_PROXY_FROM: the balancers trusted to speak the PROXY protocol.
 * Pure: no I/O. */
#pragma once
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NETLIST_MAX 32

struct net {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];     /* network byte order; 4 bytes used for IPv4 */
	unsigned prefix;            /* 0-32 or 0-128 */
};

struct netlist {
	unsigned count;
	struct net net[NETLIST_MAX];
};

/* One network, "ADDR" or "ADDR/PREFIX", with no bits set past the prefix
 * (so that "192.0.2.1/24", which network was meant, is refused). 0 or
 * -EINVAL. Also the users file's from= (user_options.c). */
int net_parse(const char *s, size_t len, struct net *ret);

/* Whether sa (AF_INET, AF_INET6, IPv4-mapped IPv6 counted as IPv4) lies in
 * one of nets[0..count). */
bool net_any_contains(const struct net *nets, unsigned count, const struct sockaddr *sa);

/* Parses "192.0.2.10, 198.51.100.0/24 2001:db8::/32": entries separated
 * by commas and/or spaces, each an address with an optional /prefix.
 * 0, -EINVAL (malformed; *bad, if not NULL, gets the entry's offset), or
 * -E2BIG (more than NETLIST_MAX entries). An empty list is -EINVAL. */
int netlist_parse(const char *s, size_t len, struct netlist *ret, size_t *bad);

/* Whether sa (AF_INET, AF_INET6, IPv4-mapped IPv6 counted as IPv4) lies
 * in one of the networks. */
bool netlist_contains(const struct netlist *list, const struct sockaddr_storage *sa);
