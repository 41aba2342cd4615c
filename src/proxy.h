/* SPDX-License-Identifier: ISC */
/* The PROXY protocol header (HAProxy's specification, versions 1 and 2)
 * that a load balancer puts before the client's bytes: who the client
 * really is. Pure: no I/O, no logging. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Version 1 is one text line of at most 107 bytes with its CRLF. */
#define PROXY_V1_MAX 107
/* Version 2: a 16-byte fixed part, then the announced length (addresses
 * and TLVs). A balancer sends a few dozen bytes; more is refused. */
#define PROXY_V2_FIXED 16
#define PROXY_V2_MAX_BODY 1024
#define PROXY_HEADER_MAX (PROXY_V2_FIXED + PROXY_V2_MAX_BODY)

struct proxy_header {
	unsigned version;                 /* 1 or 2 */
	size_t length;                    /* bytes the header takes, CRLF included */
	/* LOCAL (v2) or UNKNOWN (v1): the balancer speaking for itself, as
	 * a health check does; the addresses below are not set. */
	bool local;
	/* AF_INET or AF_INET6 with src and dst set; AF_UNIX or AF_UNSPEC for
	 * a PROXY command whose addresses are not IP (nothing set). */
	int family;
	struct sockaddr_storage src, dst;
};

/* How many more bytes the header beginning at p (len bytes so far) needs:
 * >0 read exactly that many more and ask again (never past the header's
 * end, so nothing of the stream behind it is consumed), 0 complete,
 * -EPROTO not a PROXY header, -EMSGSIZE longer than allowed. Version 1 is
 * asked for one byte at a time until its CRLF. */
int proxy_need(const void *p, size_t len);

/* Parses a complete header of exactly len bytes (proxy_need() returned 0):
 * 0, -EPROTO malformed, -EMSGSIZE too long, -EAFNOSUPPORT an address
 * family or transport other than TCP over IPv4/IPv6/UNIX. */
int proxy_parse(const void *p, size_t len, struct proxy_header *h);
