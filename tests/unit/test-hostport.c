/* SPDX-License-Identifier: ISC */
/* PORT, EPRT and EPSV arguments; PASV replies; address comparison. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "tap.h"
#include "hostport.h"

static const struct {
	const char *arg;
	int want;
	const char *host;
	unsigned port;
} port_cases[] = {
	{ "192,0,2,1,25,46",            0, "192.0.2.1", 6446 },
	{ "0,0,0,0,0,0",                0, "0.0.0.0", 0 },   /* syntax only: the caller refuses low ports */
	{ "255,255,255,255,255,255",    0, "255.255.255.255", 65535 },
	{ "10,0,0,1,1,0",               0, "10.0.0.1", 256 },
	{ "10,0,0,1,0,255",             0, "10.0.0.1", 255 },
	{ "001,002,003,004,000,021",    0, "1.2.3.4", 21 },
	{ "256,0,0,1,0,21",             -EINVAL, NULL, 0 },
	{ "1,256,0,1,0,21",             -EINVAL, NULL, 0 },
	{ "1,2,3,4,256,0",              -EINVAL, NULL, 0 },
	{ "1,2,3,4,0,256",              -EINVAL, NULL, 0 },
	{ "1,2,3,4,5",                  -EINVAL, NULL, 0 },   /* missing field */
	{ "1,2,3,4,5,",                 -EINVAL, NULL, 0 },
	{ "1,2,3,4,5,6,7",              -EINVAL, NULL, 0 },   /* extra field */
	{ "1,2,3,4,5,6,",               -EINVAL, NULL, 0 },
	{ ",1,2,3,4,5,6",               -EINVAL, NULL, 0 },
	{ "1,,2,3,4,5",                 -EINVAL, NULL, 0 },
	{ "",                           -EINVAL, NULL, 0 },
	{ ",,,,,",                      -EINVAL, NULL, 0 },
	{ "1, 2,3,4,5,6",               -EINVAL, NULL, 0 },   /* spaces */
	{ " 1,2,3,4,5,6",               -EINVAL, NULL, 0 },
	{ "1,2,3,4,5,6 ",               -EINVAL, NULL, 0 },
	{ "1 ,2,3,4,5,6",               -EINVAL, NULL, 0 },
	{ "+1,2,3,4,5,6",               -EINVAL, NULL, 0 },   /* signs */
	{ "-1,2,3,4,5,6",               -EINVAL, NULL, 0 },
	{ "1,2,3,4,5,-6",               -EINVAL, NULL, 0 },
	{ "1,2,3,4,+5,6",               -EINVAL, NULL, 0 },
	{ "1.2.3.4.5.6",                -EINVAL, NULL, 0 },
	{ "0x1,2,3,4,5,6",              -EINVAL, NULL, 0 },
	{ "1,2,3,4,5,6\n",              -EINVAL, NULL, 0 },
	{ "000001,2,3,4,5,6",           -EINVAL, NULL, 0 },   /* 6 digits */
	{ "4294967297,0,0,1,0,21",      -EINVAL, NULL, 0 },   /* would wrap to 1 */
	{ "99999999999999999999,2,3,4,5,6", -EINVAL, NULL, 0 },
	{ "1,2,3,4,5,65542",            -EINVAL, NULL, 0 },   /* 65542 & 255 == 6 */
};

static void test_port(void)
{
	for (size_t i = 0; i < ELEMENTSOF(port_cases); i++) {
		struct sockaddr_in sin;
		char host[INET_ADDRSTRLEN] = "";
		int r;

		memset(&sin, 0x55, sizeof(sin));
		r = hostport_parse_port(port_cases[i].arg, &sin);
		is_int(r, port_cases[i].want, "PORT '%s'", port_cases[i].arg);
		if (r < 0 || port_cases[i].want < 0)
			continue;
		inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
		ok(sin.sin_family == AF_INET && strcmp(host, port_cases[i].host) == 0 &&
		   ntohs(sin.sin_port) == port_cases[i].port,
		   "PORT '%s' is %s port %u (got family %d, %s port %u)", port_cases[i].arg,
		   port_cases[i].host, port_cases[i].port, sin.sin_family, host, ntohs(sin.sin_port));
	}
}

static const struct {
	const char *arg;
	int want;
	int family;
	const char *host;
	unsigned port;
} eprt_cases[] = {
	{ "|1|192.0.2.1|6446|",          0, AF_INET,  "192.0.2.1", 6446 },
	{ "|2|::1|6446|",                0, AF_INET6, "::1", 6446 },
	{ "|2|2001:db8::1|21|",          0, AF_INET6, "2001:db8::1", 21 },
	{ "|2|::ffff:192.0.2.1|21|",     0, AF_INET6, "::ffff:192.0.2.1", 21 },
	{ "|1|1.2.3.4|1|",               0, AF_INET,  "1.2.3.4", 1 },
	{ "|1|1.2.3.4|65535|",           0, AF_INET,  "1.2.3.4", 65535 },
	{ "|1|1.2.3.4|00021|",           0, AF_INET,  "1.2.3.4", 21 },
	/* The longest textual IPv6 address (45 characters) still fits. */
	{ "|2|0000:0000:0000:0000:0000:ffff:192.168.100.200|21|", 0, AF_INET6, "::ffff:192.168.100.200", 21 },
	/* Other delimiters (RFC 2428: any of ASCII 33-126 not in the fields). */
	{ "!1!192.0.2.1!21!",            0, AF_INET,  "192.0.2.1", 21 },
	{ "#2#::1#21#",                  0, AF_INET6, "::1", 21 },
	{ "~1~1.2.3.4~21~",              0, AF_INET,  "1.2.3.4", 21 },
	{ "%2%2001:db8::2%2121%",        0, AF_INET6, "2001:db8::2", 2121 },
	{ "z1z1.2.3.4z21z",              0, AF_INET,  "1.2.3.4", 21 },
	/* Bad delimiters. */
	{ " 1 1.2.3.4 21 ",              -EINVAL, 0, NULL, 0 },
	{ "\t1\t1.2.3.4\t21\t",          -EINVAL, 0, NULL, 0 },
	{ "\x7f" "1\x7f" "1.2.3.4\x7f" "21\x7f", -EINVAL, 0, NULL, 0 },
	{ "\xff" "1\xff" "1.2.3.4\xff" "21\xff", -EINVAL, 0, NULL, 0 },
	{ "a1a1.2.3.4a21a",              -EINVAL, 0, NULL, 0 },
	{ "F2F::1F21F",                  -EINVAL, 0, NULL, 0 },
	{ ":2:::1:21:",                  -EINVAL, 0, NULL, 0 },
	{ ".1.1.2.3.4.21.",              -EINVAL, 0, NULL, 0 },
	{ "01011.2.3.40210",             -EINVAL, 0, NULL, 0 },
	{ "",                            -EINVAL, 0, NULL, 0 },
	{ "|",                           -EINVAL, 0, NULL, 0 },
	{ "||||",                        -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4!21!",              -EINVAL, 0, NULL, 0 },   /* mixed delimiters */
	/* Family and address disagree. */
	{ "|1|::1|6446|",                -EINVAL, 0, NULL, 0 },
	{ "|2|192.0.2.1|6446|",          -EINVAL, 0, NULL, 0 },
	{ "|1|::ffff:192.0.2.1|21|",     -EINVAL, 0, NULL, 0 },
	/* Unknown family: 522. */
	{ "|3|192.0.2.1|21|",            -EAFNOSUPPORT, 0, NULL, 0 },
	{ "|0|192.0.2.1|21|",            -EAFNOSUPPORT, 0, NULL, 0 },
	{ "|10|::1|21|",                 -EAFNOSUPPORT, 0, NULL, 0 },
	{ "|65535|x|21|",                -EAFNOSUPPORT, 0, NULL, 0 },
	{ "|65536|1.2.3.4|21|",          -EINVAL, 0, NULL, 0 },
	{ "|000001|1.2.3.4|21|",         -EINVAL, 0, NULL, 0 },
	{ "|x|1.2.3.4|21|",              -EINVAL, 0, NULL, 0 },
	{ "||1.2.3.4|21|",               -EINVAL, 0, NULL, 0 },
	{ "|-1|1.2.3.4|21|",             -EINVAL, 0, NULL, 0 },
	/* Ports. */
	{ "|1|1.2.3.4|0|",               -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|65536|",           -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|99999|",           -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|123456|",          -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|4294967317|",      -EINVAL, 0, NULL, 0 },   /* wraps to 21 */
	{ "|1|1.2.3.4||",                -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|-21|",             -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|+21|",             -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4| 21|",             -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|21 |",             -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|0x15|",            -EINVAL, 0, NULL, 0 },
	/* Structure. */
	{ "|1|1.2.3.4|21",               -EINVAL, 0, NULL, 0 },   /* no final delimiter */
	{ "|1|1.2.3.4|21||",             -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|21|x",             -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4|21|\n",            -EINVAL, 0, NULL, 0 },
	{ "|1||21|",                     -EINVAL, 0, NULL, 0 },
	{ "|1|1.2.3.4",                  -EINVAL, 0, NULL, 0 },
	{ "|1|",                         -EINVAL, 0, NULL, 0 },
	/* Addresses inet_pton refuses. */
	{ "|1|1.2.3|21|",                -EINVAL, 0, NULL, 0 },
	{ "|1|256.1.1.1|21|",            -EINVAL, 0, NULL, 0 },
	{ "|1| 1.2.3.4|21|",             -EINVAL, 0, NULL, 0 },
	{ "|1|localhost|21|",            -EINVAL, 0, NULL, 0 },
	{ "|2|fe80::1%eth0|21|",         -EINVAL, 0, NULL, 0 },
	{ "|2|[::1]|21|",                -EINVAL, 0, NULL, 0 },
	{ "|2|::1::2|21|",               -EINVAL, 0, NULL, 0 },
	{ "|2|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|21|",
	  -EINVAL, 0, NULL, 0 },   /* longer than any address */

};

static void test_eprt(void)
{
	for (size_t i = 0; i < ELEMENTSOF(eprt_cases); i++) {
		struct sockaddr_storage ss;
		char host[INET6_ADDRSTRLEN] = "";
		unsigned port = 0;
		int r;

		memset(&ss, 0x55, sizeof(ss));
		r = hostport_parse_eprt(eprt_cases[i].arg, &ss);
		is_int(r, eprt_cases[i].want, "EPRT '%s'", eprt_cases[i].arg);
		if (r < 0 || eprt_cases[i].want < 0)
			continue;
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		ok(ss.ss_family == eprt_cases[i].family && strcmp(host, eprt_cases[i].host) == 0 &&
		   port == eprt_cases[i].port,
		   "EPRT '%s' is family %d %s port %u (got family %d, %s port %u)",
		   eprt_cases[i].arg, eprt_cases[i].family, eprt_cases[i].host, eprt_cases[i].port,
		   ss.ss_family, host, port);
	}
}

static const struct {
	const char *arg;
	int want;
	int family;
} epsv_cases[] = {
	{ "",        0,             0 },
	{ "1",       0,             AF_INET },
	{ "2",       0,             AF_INET6 },
	{ "ALL",     0,             EPSV_ALL },
	{ "all",     0,             EPSV_ALL },
	{ "aLl",     0,             EPSV_ALL },
	{ "3",       -EAFNOSUPPORT, 0 },
	{ "0",       -EAFNOSUPPORT, 0 },
	{ "10",      -EAFNOSUPPORT, 0 },
	{ "99999",   -EAFNOSUPPORT, 0 },
	{ "x",       -EINVAL,       0 },
	{ "123456",  -EINVAL,       0 },
	{ "ALL ",    -EINVAL,       0 },
	{ " ALL",    -EINVAL,       0 },
	{ "ALLX",    -EINVAL,       0 },
	{ "AL",      -EINVAL,       0 },
	{ " 1",      -EINVAL,       0 },
	{ "1 ",      -EINVAL,       0 },
	{ "-1",      -EINVAL,       0 },
	{ "+1",      -EINVAL,       0 },
	{ "1x",      -EINVAL,       0 },
	{ "1,2",     -EINVAL,       0 },
	{ "|1|",     -EINVAL,       0 },
};

static void test_epsv(void)
{
	for (size_t i = 0; i < ELEMENTSOF(epsv_cases); i++) {
		int family = 12345, r;

		r = hostport_parse_epsv(epsv_cases[i].arg, &family);
		is_int(r, epsv_cases[i].want, "EPSV '%s'", epsv_cases[i].arg);
		if (r == 0 && epsv_cases[i].want == 0)
			is_int(family, epsv_cases[i].family, "EPSV '%s': family", epsv_cases[i].arg);
	}
}

static const struct {
	const char *addr;
	unsigned port;
	size_t size;
	int want;
	const char *text;
} pasv_cases[] = {
	{ "192.0.2.1",       6446,  64, 15, "192,0,2,1,25,46" },
	{ "0.0.0.0",         0,     64, 11, "0,0,0,0,0,0" },
	{ "255.255.255.255", 65535, 64, 23, "255,255,255,255,255,255" },
	{ "10.0.0.1",        256,   64, 12, "10,0,0,1,1,0" },
	{ "10.0.0.1",        255,   64, 14, "10,0,0,1,0,255" },
	{ "192.0.2.1",       6446,  16, 15, "192,0,2,1,25,46" },   /* exactly fits */
	{ "192.0.2.1",       6446,  15, -ENOSPC, NULL },
	{ "192.0.2.1",       6446,  1,  -ENOSPC, NULL },
};

static void test_pasv(void)
{
	for (size_t i = 0; i < ELEMENTSOF(pasv_cases); i++) {
		struct in_addr a;
		char buf[96];
		int r;

		if (inet_pton(AF_INET, pasv_cases[i].addr, &a) != 1)
			abort();
		memset(buf, 'X', sizeof(buf));
		r = hostport_format_pasv(&a, pasv_cases[i].port, buf, pasv_cases[i].size);
		is_int(r, pasv_cases[i].want, "PASV %s port %u in %zu bytes", pasv_cases[i].addr,
		       pasv_cases[i].port, pasv_cases[i].size);
		if (pasv_cases[i].text)
			is_str(buf, pasv_cases[i].text, "PASV %s port %u: text", pasv_cases[i].addr,
			       pasv_cases[i].port);
		ok(buf[pasv_cases[i].size] == 'X', "PASV %s port %u in %zu bytes: no overflow",
		   pasv_cases[i].addr, pasv_cases[i].port, pasv_cases[i].size);
	}
}

/* "1.2.3.4" or "::1" with a port, or "unix" for an AF_UNIX address. */
static struct sockaddr_storage make_sa(const char *host, unsigned port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(host, "unix") == 0) {
		ss.ss_family = AF_UNIX;
	} else if (strchr(host, ':')) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			abort();
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			abort();
	}
	return ss;
}

static const struct {
	const char *a, *b;
	int same;
} same_cases[] = {
	{ "192.0.2.1",          "192.0.2.1",          1 },
	{ "192.0.2.1",          "192.0.2.2",          0 },
	{ "192.0.2.1",          "::ffff:192.0.2.1",   1 },   /* IPv4-mapped */
	{ "::ffff:192.0.2.1",   "192.0.2.1",          1 },
	{ "::ffff:192.0.2.1",   "::ffff:192.0.2.1",   1 },
	{ "192.0.2.1",          "::ffff:192.0.2.2",   0 },
	{ "::ffff:192.0.2.1",   "::ffff:192.0.2.2",   0 },
	{ "::1",                "::1",                1 },
	{ "::1",                "::2",                0 },
	{ "2001:db8::1",        "2001:db8::1",        1 },
	{ "2001:db8::1",        "2001:db8::1:0",      0 },
	{ "127.0.0.1",          "::1",                0 },
	{ "0.0.0.1",            "::1",                0 },
	{ "1.2.3.4",            "::1.2.3.4",          0 },   /* IPv4-compatible is not mapped */
	{ "1.2.3.4",            "64:ff9b::1.2.3.4",   0 },   /* NAT64 is not mapped */
	{ "::ffff:1.2.3.4",     "::1.2.3.4",          0 },
	{ "192.0.2.1",          "unix",               0 },
	{ "unix",               "::1",                0 },
	{ "unix",               "unix",               0 },
};

static void test_same_host(void)
{
	for (size_t i = 0; i < ELEMENTSOF(same_cases); i++) {
		/* Different ports: only the host counts. */
		struct sockaddr_storage a = make_sa(same_cases[i].a, 21);
		struct sockaddr_storage b = make_sa(same_cases[i].b, 6446);

		is_int(!!sockaddr_same_host(&a, &b), same_cases[i].same, "same host %s and %s",
		       same_cases[i].a, same_cases[i].b);
	}
}

static const struct {
	const char *host;
	unsigned port;
	size_t size;
	const char *string;
} string_cases[] = {
	{ "192.0.2.1",        6446,  64, "192.0.2.1" },
	{ "2001:db8::1",      21,    64, "2001:db8::1" },
	{ "::ffff:192.0.2.1", 2121,  64, "192.0.2.1" },   /* mapped: shown as IPv4 */
	{ "::1",              65535, 64, "::1" },
	{ "unix",             0,     64, "?" },
	{ "192.0.2.1",        1,     10, "192.0.2.1" },   /* exactly fits */
	{ "192.0.2.1",        1,     9,  "?" },
	{ "2001:db8::1",      1,     4,  "?" },
};

static void test_strings(void)
{
	for (size_t i = 0; i < ELEMENTSOF(string_cases); i++) {
		struct sockaddr_storage ss = make_sa(string_cases[i].host, string_cases[i].port);
		char buf[64];

		memset(buf, 'X', sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		sockaddr_host_string(&ss, buf, string_cases[i].size);
		is_str(buf, string_cases[i].string, "host string of %s in %zu bytes",
		       string_cases[i].host, string_cases[i].size);
		is_int(sockaddr_port(&ss), string_cases[i].port, "port of %s port %u",
		       string_cases[i].host, string_cases[i].port);
	}
}

static const struct {
	const char *host;
	int unspecified;
} unspecified_cases[] = {
	{ "0.0.0.0", 1 },
	{ "::", 1 },
	{ "127.0.0.1", 0 },
	{ "::1", 0 },
	{ "::ffff:0.0.0.0", 0 },   /* mapped: not the IPv6 unspecified address */
};

static void test_unspecified(void)
{
	for (size_t i = 0; i < ELEMENTSOF(unspecified_cases); i++) {
		struct sockaddr_storage ss = make_sa(unspecified_cases[i].host, 21);

		is_int(sockaddr_is_unspecified(&ss), unspecified_cases[i].unspecified,
		       "sockaddr_is_unspecified(%s)", unspecified_cases[i].host);
	}
}

/* The IPv4 address behind an address, and setting a port: the helpers
 * data.c and cmd_params.c share. */
static const struct {
	const char *host;
	int v4;
	const char *ipv4;
} ipv4_cases[] = {
	{ "192.0.2.1", 1, "192.0.2.1" },
	{ "::ffff:192.0.2.1", 1, "192.0.2.1" },     /* IPv4-mapped: the last four bytes */
	{ "::ffff:0.0.0.0", 1, "0.0.0.0" },
	{ "::1.2.3.4", 0, NULL },                   /* IPv4-compatible is not mapped */
	{ "64:ff9b::1.2.3.4", 0, NULL },            /* NAT64 is not mapped */
	{ "2001:db8::1", 0, NULL },
	{ "unix", 0, NULL },
};

static void test_ipv4_and_port(void)
{
	for (size_t i = 0; i < ELEMENTSOF(ipv4_cases); i++) {
		struct sockaddr_storage ss = make_sa(ipv4_cases[i].host, 21);
		struct in_addr a = { 0 };
		char buf[INET_ADDRSTRLEN] = "";
		int v4 = sockaddr_ipv4(&ss, &a);

		is_int(v4, ipv4_cases[i].v4, "sockaddr_ipv4(%s)", ipv4_cases[i].host);
		if (v4 && ipv4_cases[i].ipv4) {
			inet_ntop(AF_INET, &a, buf, sizeof(buf));
			is_str(buf, ipv4_cases[i].ipv4, "sockaddr_ipv4(%s): the address", ipv4_cases[i].host);
		}
		sockaddr_set_port(&ss, 6446);
		is_int(sockaddr_port(&ss), strcmp(ipv4_cases[i].host, "unix") ? 6446 : 0,
		       "sockaddr_set_port(%s, 6446)", ipv4_cases[i].host);
	}
}

int main(void)
{
	test_ipv4_and_port();
	test_unspecified();
	test_port();
	test_eprt();
	test_epsv();
	test_pasv();
	test_same_host();
	test_strings();
	return done_testing();
}
