/* SPDX-License-Identifier: ISC */
/* Fuzz target: the monitor's request parser (src/privsep_proto.c), the
 * one place where the privileged monitor reads what the unprivileged
 * pre-login process sends.
 *
 * Input: one message as it would arrive. Checks:
 *   - ps_decode_login returns 0 or -EBADMSG, and on -EBADMSG leaves the
 *     structure empty;
 *   - on 0 every field is within its bounds: a non-empty user name without
 *     ':' or control bytes, strings NUL-terminated, no CR, LF or NUL in
 *     the password, lengths within their limits, addresses IPv4 or IPv6
 *     exactly when have_peer, TLS-only facts only with TLS;
 *   - a decoded message encodes again to the very same bytes (one meaning,
 *     one encoding);
 *   - ps_decode_verdict accepts exactly 'R' and a byte 0..3. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "privsep_proto.h"
#include "fuzz.h"

static void check_text(const char *s, size_t cap, bool password)
{
	size_t n = strnlen(s, cap);

	CHECK(n < cap);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c != '\r' && c != '\n');
		if (!password)
			CHECK(c >= 0x20 && c != 0x7f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ps_login m;
	static unsigned char again[PS_MSG_MAX];
	static const struct ps_login empty;
	enum ps_verdict v;
	size_t len = 0;
	int r = ps_decode_login(data, size, &m);

	CHECK(r == 0 || r == -EBADMSG);
	if (r < 0) {
		CHECK(memcmp(&m, &empty, sizeof(m)) == 0);
	} else {
		check_text(m.user, sizeof(m.user), false);
		CHECK(m.user[0] && !strchr(m.user, ':'));
		check_text(m.password, sizeof(m.password), true);
		check_text(m.tls_version, sizeof(m.tls_version), false);
		check_text(m.tls_cipher, sizeof(m.tls_cipher), false);
		check_text(m.tls_subject, sizeof(m.tls_subject), false);
		check_text(m.tls_sni, sizeof(m.tls_sni), false);
		check_text(m.host, sizeof(m.host), false);
		CHECK(m.method <= PS_METHOD_CERTIFICATE);
		CHECK(m.method == PS_METHOD_PASSWORD || m.password[0] == '\0');
		CHECK(m.input_len <= PS_INPUT_MAX && m.tls_cache_len <= PS_TLS_CACHE_MAX);
		CHECK(m.tls_active || (!m.cert_verified && !m.pbsz && !m.prot_private && !m.tls_cache_len));
		if (m.have_peer)
			CHECK((m.peer.ss_family == AF_INET || m.peer.ss_family == AF_INET6) &&
			      (m.local.ss_family == AF_INET || m.local.ss_family == AF_INET6));
		else
			CHECK(m.peer.ss_family == 0 && m.local.ss_family == 0);
		CHECK(ps_encode_login(&m, again, sizeof(again), &len) == 0);
		CHECK(len == size && memcmp(again, data, size) == 0);
	}
	r = ps_decode_verdict(data, size, &v);
	CHECK(r == (size == 2 && data[0] == 'R' && data[1] <= PS_DECLINED ? 0 : -EBADMSG));
	return 0;
}
