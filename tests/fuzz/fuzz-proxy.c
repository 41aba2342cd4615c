/* SPDX-License-Identifier: ISC */
/* Fuzz target: the PROXY protocol header (src/proxy.c).
 *
 * The input is what a balancer (or anyone) sends first. Checks:
 *   - a reader taking exactly what proxy_need() asks for never reads past
 *     the header's end, never asks for a byte beyond PROXY_HEADER_MAX, and
 *     gets 0, >0, -EPROTO or -EMSGSIZE only;
 *   - proxy_parse on what that reader gathered returns 0, -EPROTO,
 *     -EMSGSIZE or -EAFNOSUPPORT; on success the length is the bytes read,
 *     the version matches the first byte, a LOCAL/UNKNOWN header has no
 *     family, and an IP family comes with a source and destination of that
 *     family;
 *   - proxy_parse on the whole input refuses anything that is not exactly
 *     one complete header. */
#include <errno.h>
#include <string.h>

#include "proxy.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h;
	size_t got = 0;
	int need, r;

	while ((need = proxy_need(data, got)) > 0 && got < size) {
		CHECK(got + (size_t)need <= PROXY_HEADER_MAX);
		/* A short read: take part of what was asked for, as read() may. */
		got += (size_t)need <= size - got ? (size_t)need : size - got;
	}
	CHECK(need >= 0 || need == -EPROTO || need == -EMSGSIZE);
	CHECK(got <= PROXY_HEADER_MAX);
	if (need == 0) {
		r = proxy_parse(data, got, &h);
		CHECK(r == 0 || r == -EPROTO || r == -EMSGSIZE || r == -EAFNOSUPPORT);
		if (r == 0) {
			CHECK(h.length == got);
			CHECK(h.version == (data[0] == 'P' ? 1u : 2u));
			if (h.local)
				CHECK(h.family == AF_UNSPEC);
			if (h.family == AF_INET || h.family == AF_INET6)
				CHECK(h.src.ss_family == h.family && h.dst.ss_family == h.family);
			if (h.version == 1)
				CHECK(got <= PROXY_V1_MAX);
		}
		if (got < size)
			CHECK(proxy_parse(data, size, &h) < 0);
	} else {
		CHECK(proxy_parse(data, size, &h) < 0 || need > 0);
	}
	return 0;
}
