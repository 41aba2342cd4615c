/* SPDX-License-Identifier: ISC */
/* PROXY protocol headers, versions 1 and 2: their length as a reader
 * learns it (proxy_need) and what they say (proxy_parse). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "tap.h"
#include "bounds.h"
#include "hostport.h"
#include "netlist.h"
#include "proxy.h"

/* The version 2 signature; "QUIT" is part of it. */
#define SIG "\r\n\r\n\0\r\nQUIT\n"
#define B(s) s, sizeof(s) - 1

/* 192.0.2.7:54321 -> 198.51.100.1:21 */
#define V4_ADDRS "\xc0\x00\x02\x07" "\xc6\x33\x64\x01" "\xd4\x31" "\x00\x15"
/* [2001:db8::7]:54321 -> [2001:db8::1]:990 */
#define V6_ADDRS "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07" \
		 "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01" "\xd4\x31" "\x03\xde"
#define Z16 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
#define Z108 Z16 Z16 Z16 Z16 Z16 Z16 "\0\0\0\0\0\0\0\0\0\0\0\0"
/* 0xd8 = 216 bytes of two unix paths. */
#define UNIX_ADDRS "/run/x.sock" Z108 Z16 Z16 Z16 Z16 Z16 Z16 "\0"

static const struct {
	const char *name;
	const char *bytes;
	size_t len;
	int want;
	unsigned version;
	int local;
	int family;
	const char *src;       /* for AF_INET/AF_INET6 */
	unsigned sport;
	const char *dst;
	unsigned dport;
} cases[] = {
	/* Version 1. */
	{ "v1 TCP4", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321 21\r\n"),
	  0, 1, 0, AF_INET, "192.0.2.7", 54321, "198.51.100.1", 21 },
	{ "v1 TCP6", B("PROXY TCP6 2001:db8::7 2001:db8::1 54321 990\r\n"),
	  0, 1, 0, AF_INET6, "2001:db8::7", 54321, "2001:db8::1", 990 },
	{ "v1 ports 0 and 65535", B("PROXY TCP4 192.0.2.7 192.0.2.8 0 65535\r\n"),
	  0, 1, 0, AF_INET, "192.0.2.7", 0, "192.0.2.8", 65535 },
	{ "v1 UNKNOWN", B("PROXY UNKNOWN\r\n"), 0, 1, 1, AF_UNSPEC, NULL, 0, NULL, 0 },
	{ "v1 UNKNOWN with addresses", B("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"),
	  0, 1, 1, AF_UNSPEC, NULL, 0, NULL, 0 },
	{ "v1 longest TCP6 (104 bytes)",
	  B("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
	  0, 1, 0, AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535 },
	{ "v1 UNKNOWN at the limit (107 bytes)", B("PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
	  0, 1, 1, AF_UNSPEC, NULL, 0, NULL, 0 },
	{ "v1 one byte too long (108 bytes)", B("PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
	  -EMSGSIZE, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 107 bytes without CRLF", B("PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	  -EMSGSIZE, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 truncated (no CRLF)", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321 21"),
	  1, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 truncated (CR only)", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321 21\r"),
	  1, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 truncated (prefix)", B("PRO"), 12, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 LF only", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321 21\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 CR inside", B("PROXY TCP4 192.0.2.7\r198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 lower case", B("proxy TCP4 192.0.2.7 198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 unknown protocol", B("PROXY UDP4 192.0.2.7 198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 TCP4 with IPv6", B("PROXY TCP4 2001:db8::7 2001:db8::1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 TCP6 with IPv4", B("PROXY TCP6 192.0.2.7 198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port too big", B("PROXY TCP4 192.0.2.7 198.51.100.1 65536 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port leading zero", B("PROXY TCP4 192.0.2.7 198.51.100.1 054321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port signed", B("PROXY TCP4 192.0.2.7 198.51.100.1 +5 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 missing port", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 extra field", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321 21 9\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 trailing space", B("PROXY TCP4 192.0.2.7 198.51.100.1 54321 21 \r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 double space", B("PROXY TCP4  192.0.2.7 198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 bad address", B("PROXY TCP4 192.0.2.256 198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 too short", B("PROXY TCP4\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 NUL inside", B("PROXY TCP4 192.0.2.7\0" "198.51.100.1 54321 21\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	/* Not a header at all: what a client without a balancer sends. */
	{ "FTP command", B("USER anonymous\r\n"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "TLS ClientHello", B("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "empty", "", 0, 15, 0, 0, 0, NULL, 0, NULL, 0 },

	/* Version 2. */
	{ "v2 TCP4", B(SIG "\x21\x11\x00\x0c" V4_ADDRS),
	  0, 2, 0, AF_INET, "192.0.2.7", 54321, "198.51.100.1", 21 },
	{ "v2 TCP6", B(SIG "\x21\x21\x00\x24" V6_ADDRS),
	  0, 2, 0, AF_INET6, "2001:db8::7", 54321, "2001:db8::1", 990 },
	{ "v2 TCP4 with TLVs skipped",
	  B(SIG "\x21\x11\x00\x1c" V4_ADDRS "\x01\x00\x03" "ftp" "\x04\x00\x00" "\x03\x00\x04" "abcd"),
	  0, 2, 0, AF_INET, "192.0.2.7", 54321, "198.51.100.1", 21 },
	{ "v2 TLV running past the end",
	  B(SIG "\x21\x11\x00\x12" V4_ADDRS "\x01\x00\x04" "ftp"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 TLV header cut", B(SIG "\x21\x11\x00\x0e" V4_ADDRS "\x01\x00"), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 UNIX stream", B(SIG "\x21\x31\x00\xd8" UNIX_ADDRS), 0, 2, 0, AF_UNIX, NULL, 0, NULL, 0 },
	{ "v2 UNIX addresses short", B(SIG "\x21\x31\x00\x10" Z16), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 PROXY UNSPEC", B(SIG "\x21\x00\x00\x00"), 0, 2, 0, AF_UNSPEC, NULL, 0, NULL, 0 },
	{ "v2 LOCAL", B(SIG "\x20\x00\x00\x00"), 0, 2, 1, AF_UNSPEC, NULL, 0, NULL, 0 },
	{ "v2 LOCAL with addresses", B(SIG "\x20\x11\x00\x0c" V4_ADDRS), 0, 2, 1, AF_UNSPEC, NULL, 0, NULL, 0 },
	{ "v2 UDP4", B(SIG "\x21\x12\x00\x0c" V4_ADDRS), -EAFNOSUPPORT, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 family 4", B(SIG "\x21\x41\x00\x0c" V4_ADDRS), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 TCP4 addresses short", B(SIG "\x21\x11\x00\x08" "\xc0\x00\x02\x07\xc6\x33\x64\x01"),
	  -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 TCP6 addresses short", B(SIG "\x21\x21\x00\x0c" V4_ADDRS), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 version 1 in the binary form", B(SIG "\x11\x11\x00\x0c" V4_ADDRS), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 command 2", B(SIG "\x22\x11\x00\x0c" V4_ADDRS), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 signature wrong", B("\r\n\r\n\0\r\nQUIT!" "\x21\x11\x00\x0c" V4_ADDRS), -EPROTO, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 truncated fixed part", B(SIG "\x21\x11"), 2, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 truncated signature", B("\r\n\r\n\0"), 11, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 truncated addresses", B(SIG "\x21\x11\x00\x0c" "\xc0\x00\x02"), 9, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 longest allowed length (1024)", B(SIG "\x21\x11\x04\x00"), 1024, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 oversized (1025)", B(SIG "\x21\x11\x04\x01"), -EMSGSIZE, 0, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 oversized (65535)", B(SIG "\x21\x11\xff\xff"), -EMSGSIZE, 0, 0, 0, NULL, 0, NULL, 0 },
};

static void check_address(const struct sockaddr_storage *ss, const char *host, unsigned port,
			  const char *what, const char *name)
{
	char got[INET6_ADDRSTRLEN + 8] = "";

	sockaddr_host_string(ss, got, sizeof(got));
	is_str(got, host, "%s: %s address", name, what);
	is_int(sockaddr_port(ss), port, "%s: %s port", name, what);
}

/* want > 0: proxy_need() asks for that many more bytes. */
static void test_table(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct proxy_header h;
		int need = proxy_need(cases[i].bytes, cases[i].len);
		int r;

		if (cases[i].want > 0 || cases[i].len == 0) {
			is_int(need, cases[i].want, "%s: needs more", cases[i].name);
			continue;
		}
		if (cases[i].want == -EMSGSIZE || need < 0) {
			is_int(need, cases[i].want, "%s: proxy_need", cases[i].name);
			continue;
		}
		is_int(need, 0, "%s: complete", cases[i].name);
		memset(&h, 0x5a, sizeof(h));
		r = proxy_parse(cases[i].bytes, cases[i].len, &h);
		is_int(r, cases[i].want, "%s: proxy_parse", cases[i].name);
		if (r < 0)
			continue;
		is_int(h.version, cases[i].version, "%s: version", cases[i].name);
		is_int(h.length, cases[i].len, "%s: length", cases[i].name);
		is_int(h.local, cases[i].local, "%s: local", cases[i].name);
		is_int(h.family, cases[i].family, "%s: family", cases[i].name);
		if (cases[i].src) {
			check_address(&h.src, cases[i].src, cases[i].sport, "source", cases[i].name);
			check_address(&h.dst, cases[i].dst, cases[i].dport, "destination", cases[i].name);
		}
	}
}

/* A reader that takes exactly what proxy_need() asks for stops at the
 * header's last byte, even with the FTP stream already behind it. */
static void test_no_over_read(void)
{
	static const char tail[] = "\x16\x03\x01USER x\r\n";

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char stream[PROXY_HEADER_MAX + sizeof(tail)];
		size_t got = 0, total;
		int need;

		if (cases[i].want != 0)
			continue;
		memcpy(stream, cases[i].bytes, cases[i].len);
		memcpy(stream + cases[i].len, tail, sizeof(tail) - 1);
		total = cases[i].len + sizeof(tail) - 1;
		while ((need = proxy_need(stream, got)) > 0 && got < total)
			got += (size_t)need <= total - got ? (size_t)need : total - got;
		is_int(need, 0, "%s: read to the end", cases[i].name);
		is_int(got, cases[i].len, "%s: not one byte past the header", cases[i].name);
	}
}

/* A reader given one byte at a time learns the same. */
static void test_byte_by_byte(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		size_t got = 0;
		int need = 1;

		if (cases[i].want != 0)
			continue;
		while (got < cases[i].len && (need = proxy_need(cases[i].bytes, got)) > 0)
			got++;
		is_int(got, cases[i].len, "%s: one byte at a time", cases[i].name);
		is_int(proxy_need(cases[i].bytes, got), 0, "%s: then complete", cases[i].name);
	}
}

/* FTPSD_PROXY_FROM: the trusted balancers. */
static const struct {
	const char *list;
	int want;
	unsigned count;
	size_t bad;             /* offset of the wrong entry */
} list_cases[] = {
	{ "192.0.2.10", 0, 1, 0 },
	{ "192.0.2.10,198.51.100.0/24", 0, 2, 0 },
	{ " 192.0.2.10 , 198.51.100.0/24\t2001:db8::/32 ", 0, 3, 0 },
	{ "0.0.0.0/0", 0, 1, 0 },
	{ "::/0", 0, 1, 0 },
	{ "2001:db8::1/128", 0, 1, 0 },
	{ "", -EINVAL, 0, 0 },
	{ " , ", -EINVAL, 0, 0 },
	{ "192.0.2.10,x", -EINVAL, 0, 11 },
	{ "192.0.2.0/33", -EINVAL, 0, 0 },
	{ "2001:db8::/129", -EINVAL, 0, 0 },
	{ "192.0.2.0/", -EINVAL, 0, 0 },
	{ "192.0.2.0/024", -EINVAL, 0, 0 },
	{ "192.0.2.0/-1", -EINVAL, 0, 0 },
	{ "192.0.2.1/24", -EINVAL, 0, 0 },     /* host bits under the prefix */
	{ "/24", -EINVAL, 0, 0 },
	{ "192.0.2.10;198.51.100.1", -EINVAL, 0, 0 },
	{ "example.com", -EINVAL, 0, 0 },
	{ "1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9 1.1.1.10 "
	  "1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17 1.1.1.18 1.1.1.19 "
	  "1.1.1.20 1.1.1.21 1.1.1.22 1.1.1.23 1.1.1.24 1.1.1.25 1.1.1.26 1.1.1.27 1.1.1.28 "
	  "1.1.1.29 1.1.1.30 1.1.1.31 1.1.1.32", 0, 32, 0 },
	{ "1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9 1.1.1.10 "
	  "1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17 1.1.1.18 1.1.1.19 "
	  "1.1.1.20 1.1.1.21 1.1.1.22 1.1.1.23 1.1.1.24 1.1.1.25 1.1.1.26 1.1.1.27 1.1.1.28 "
	  "1.1.1.29 1.1.1.30 1.1.1.31 1.1.1.32 1.1.1.33", -E2BIG, 0, 0 },
};

static void test_list_parse(void)
{
	for (size_t i = 0; i < ELEMENTSOF(list_cases); i++) {
		struct netlist l;
		size_t bad = 999;
		int r = netlist_parse(list_cases[i].list, strlen(list_cases[i].list), &l, &bad);

		is_int(r, list_cases[i].want, "list \"%s\"", list_cases[i].list);
		if (r == 0)
			is_int(l.count, list_cases[i].count, "list \"%s\": entries", list_cases[i].list);
		else if (r == -EINVAL && list_cases[i].bad)
			is_int(bad, list_cases[i].bad, "list \"%s\": where", list_cases[i].list);
	}
}

static const struct {
	const char *list;
	const char *addr;
	bool want;
} member_cases[] = {
	{ "192.0.2.10", "192.0.2.10", true },
	{ "192.0.2.10", "192.0.2.11", false },
	{ "198.51.100.0/24", "198.51.100.255", true },
	{ "198.51.100.0/24", "198.51.101.0", false },
	{ "198.51.100.128/25", "198.51.100.127", false },
	{ "198.51.100.128/25", "198.51.100.128", true },
	{ "192.0.2.8/29", "192.0.2.15", true },
	{ "192.0.2.8/29", "192.0.2.16", false },
	{ "0.0.0.0/0", "203.0.113.9", true },
	{ "192.0.2.10", "::ffff:192.0.2.10", true },     /* IPv4 on an IPv6 socket */
	{ "192.0.2.10", "::ffff:192.0.2.11", false },
	{ "::ffff:192.0.2.10", "192.0.2.10", false },     /* lists hold real IPv6 networks */
	{ "2001:db8::/32", "2001:db8:ffff::1", true },
	{ "2001:db8::/32", "2001:db9::1", false },
	{ "2001:db8::/33", "2001:db8:8000::1", false },
	{ "::/0", "192.0.2.1", false },                  /* families never mix */
	{ "0.0.0.0/0", "2001:db8::1", false },
	{ "192.0.2.1, 2001:db8::1", "2001:db8::1", true },
};

static void test_list_members(void)
{
	for (size_t i = 0; i < ELEMENTSOF(member_cases); i++) {
		struct netlist l;
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		if (strchr(member_cases[i].addr, ':')) {
			ss.ss_family = AF_INET6;
			inet_pton(AF_INET6, member_cases[i].addr, &((struct sockaddr_in6 *)&ss)->sin6_addr);
		} else {
			ss.ss_family = AF_INET;
			inet_pton(AF_INET, member_cases[i].addr, &((struct sockaddr_in *)&ss)->sin_addr);
		}
		if (netlist_parse(member_cases[i].list, strlen(member_cases[i].list), &l, NULL) < 0) {
			ok(false, "list %s parses", member_cases[i].list);
			continue;
		}
		is_int(netlist_contains(&l, &ss), member_cases[i].want, "%s in %s",
		       member_cases[i].addr, member_cases[i].list);
	}
}

int main(void)
{
	test_list_parse();
	test_list_members();
	test_table();
	test_no_over_read();
	test_byte_by_byte();
	return done_testing();
}
