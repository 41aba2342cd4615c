/* SPDX-License-Identifier: ISC */
/* Fuzz target: the options field of the users file (src/user_options.c).
 *
 * Input: the field's bytes. Checks:
 *   - user_options_parse on an exact-size copy (ASan sees a read past the
 *     end) returns 0 or -EINVAL only;
 *   - on 0 the message is empty and every value is in range (umask within
 *     0777, from= count within USER_FROM_MAX, prefixes within the family's
 *     width, no host bits set past a prefix, limits not zero when set);
 *   - on -EINVAL the message is NUL-terminated, non-empty, and the result
 *     is the empty set of options (nothing half-applied);
 *   - a second parse into a tiny message buffer gives the same result and
 *     a terminated message;
 *   - from= with no entries allows any address; with entries, each entry's
 *     own network address is allowed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "user_options.h"
#include "fuzz.h"

static void check_net(const struct net *n)
{
	unsigned max = n->family == AF_INET ? 32 : 128;

	CHECK(n->family == AF_INET || n->family == AF_INET6);
	CHECK(n->prefix <= max);
	for (unsigned bit = n->prefix; bit < max; bit++)
		CHECK(!(n->addr[bit / 8] & (0x80 >> (bit % 8))));
}

static void check_own_address_allowed(const struct user_options *o, const struct net *n)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (n->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, n->addr, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, n->addr, 16);
		/* An IPv4-mapped network is compared as IPv6 only when the
		 * peer is not mapped: skip those, they are matched as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			return;
	}
	CHECK(user_options_from_allows(o, (struct sockaddr *)&ss));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *exact = malloc(size ? size : 1);
	struct user_options o, o2;
	char why[USER_OPTIONS_WHY_MAX], tiny[5];
	int r, r2;

	CHECK(exact);
	memcpy(exact, data, size);
	memset(&o, 0x5a, sizeof(o));
	r = user_options_parse(exact, size, &o, why, sizeof(why));
	CHECK(r == 0 || r == -EINVAL);
	CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	r2 = user_options_parse(exact, size, &o2, tiny, sizeof(tiny));
	CHECK(r2 == r);
	CHECK(memchr(tiny, '\0', sizeof(tiny)) != NULL);
	if (r == 0) {
		CHECK(why[0] == '\0');
		CHECK(o.write == USER_WRITE_DEFAULT || o.write == USER_WRITE_NO || o.write == USER_WRITE_YES);
		CHECK(!(o.write == USER_WRITE_NO && o.upload_only));
		CHECK(o.umask <= 0777 && (o.has_umask || o.umask == 0));
		CHECK(o.n_from <= USER_FROM_MAX);
		for (unsigned i = 0; i < o.n_from; i++) {
			check_net(&o.from[i]);
			check_own_address_allowed(&o, &o.from[i]);
		}
		CHECK(memcmp(&o, &o2, sizeof(o)) == 0);
	} else {
		CHECK(why[0] != '\0');
		CHECK(o.n_from == 0 && o.write == USER_WRITE_DEFAULT && !o.upload_only && !o.cert_only &&
		      !o.has_umask && o.rate_down == 0 && o.rate_up == 0 && o.quota_bytes == 0 &&
		      o.quota_files == 0);
	}
	if (o.n_from == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET };

		CHECK(user_options_from_allows(&o, (struct sockaddr *)&a));
	}
	free(exact);
	return 0;
}
