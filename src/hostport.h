/* SPDX-License-Identifier: ISC */
/* PORT, EPRT and EPSV arguments parsed, PASV and EPSV replies formatted
 * (RFC 959 §4.1.2, RFC 2428). Pure: no sockets are touched. */
#pragma once
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/* "h1,h2,h3,h4,p1,p2" → an IPv4 address and port. 0 or -EINVAL. */
int hostport_parse_port(const char *arg, struct sockaddr_in *ret);

/* "|1|192.0.2.1|6446|" or "|2|::1|6446|" (any printable delimiter). 0,
 * -EINVAL for a malformed argument, -EAFNOSUPPORT for an unknown family
 * (reply 522). */
int hostport_parse_eprt(const char *arg, struct sockaddr_storage *ret);

/* EPSV argument: "" → 0 (any), "1" → AF_INET, "2" → AF_INET6, "ALL" →
 * EPSV_ALL. -EAFNOSUPPORT for another number, -EINVAL otherwise. */
#define EPSV_ALL (-1)
int hostport_parse_epsv(const char *arg, int *ret_family);

/* "h1,h2,h3,h4,p1,p2" for a 227 reply. Returns the length or -ENOSPC. */
int hostport_format_pasv(const struct in_addr *addr, unsigned port, char *buf, size_t size);

/* The port of an AF_INET or AF_INET6 address, 0 for anything else. */
unsigned sockaddr_port(const struct sockaddr_storage *sa);

/* Sets the port of an AF_INET or AF_INET6 address (nothing for others). */
void sockaddr_set_port(struct sockaddr_storage *sa, unsigned port);

/* The IPv4 address of an AF_INET or IPv4-mapped AF_INET6 address
 * (::ffff:a.b.c.d): 1, or 0 for any other address. */
int sockaddr_ipv4(const struct sockaddr_storage *sa, struct in_addr *ret);

/* true when both are the same host (IPv4-mapped IPv6 equals its IPv4). */
int sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* true for 0.0.0.0 and :: . */
int sockaddr_is_unspecified(const struct sockaddr_storage *sa);

/* The textual address, without port ("192.0.2.1", "::1"); "?" on failure. */
void sockaddr_host_string(const struct sockaddr_storage *sa, char *buf, size_t size);
