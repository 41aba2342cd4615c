/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <gnutls/crypto.h>
#include <string.h>
#include <sys/types.h>

#include "tls_closure.h"
#include "banned.h"

#define RECORD_HEADER 5
#define CONTENT_APPLICATION_DATA 23
#define CONTENT_ALERT 21

ssize_t tls13_closure_record_size(const uint8_t *rec, size_t len)
{
	size_t body;

	if (len < RECORD_HEADER)
		return 0;
	/* TLS 1.3 hides every protected record as application data, 3.3. */
	if (rec[0] != CONTENT_APPLICATION_DATA || rec[1] != 3 || rec[2] != 3)
		return -EBADMSG;
	body = (size_t)rec[3] << 8 | rec[4];
	if (body == 0 || RECORD_HEADER + body > TLS_CLOSURE_RECORD_MAX)
		return -EBADMSG;
	return (ssize_t)(RECORD_HEADER + body);
}

int tls13_record_is_close_notify(gnutls_session_t session, const uint8_t *rec, size_t len)
{
	gnutls_cipher_algorithm_t cipher = gnutls_cipher_get(session);
	unsigned tag = gnutls_cipher_get_tag_size(cipher);
	gnutls_datum_t iv, key;
	unsigned char seq[8], nonce[32];
	uint8_t plain[TLS_CLOSURE_RECORD_MAX];
	size_t plain_len = sizeof(plain);
	gnutls_aead_cipher_hd_t h;
	int r;

	if (tls13_closure_record_size(rec, len) != (ssize_t)len || len - RECORD_HEADER <= tag)
		return 0;
	if (gnutls_protocol_get_version(session) != GNUTLS_TLS1_3 || tag == 0)
		return -EPROTO;
	/* The read state after the alert: its sequence number is the next
	 * record's, this one's. */
	if (gnutls_record_get_state(session, 1, NULL, &iv, &key, seq) < 0 ||
	    iv.size < sizeof(seq) || iv.size > sizeof(nonce))
		return -EPROTO;
	/* RFC 8446 §5.3: the IV XOR the sequence number, padded on the left. */
	memcpy(nonce, iv.data, iv.size);
	for (size_t i = 0; i < sizeof(seq); i++)
		nonce[iv.size - sizeof(seq) + i] ^= seq[i];
	if (gnutls_aead_cipher_init(&h, cipher, &key) < 0)
		return -EPROTO;
	/* The additional data is the record header (§5.2). */
	r = gnutls_aead_cipher_decrypt(h, nonce, iv.size, rec, RECORD_HEADER, tag,
				       rec + RECORD_HEADER, len - RECORD_HEADER, plain, &plain_len);
	gnutls_aead_cipher_deinit(h);
	if (r < 0)
		return 0;
	/* TLSInnerPlaintext: content, type, zero padding. */
	while (plain_len > 0 && plain[plain_len - 1] == 0)
		plain_len--;
	return plain_len == 3 && plain[2] == CONTENT_ALERT && plain[1] == GNUTLS_A_CLOSE_NOTIFY;
}
