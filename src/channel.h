/* SPDX-License-Identifier: ISC */
/* A byte stream over a plain socket or a GnuTLS session: the only place
 * that knows which. Descriptors are non-blocking; waits are bounded by a
 * deadline on the monotonic clock (util.h). */
#pragma once
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tls_closure.h"

struct tls_transport;

struct channel {
	int rfd, wfd;            /* the same socket, except for a piped control */
	gnutls_session_t tls;    /* NULL: plaintext */
	struct tls_transport *transport;  /* channel_tune_for_data()'s, or NULL */
	bool peer_closed_cleanly;  /* TLS: the peer's close_notify arrived */
	/* TLS: the peer sent user_canceled. Its stream is complete only if
	 * close_notify follows; an end without one is a truncation. */
	bool peer_canceled;
	/* TLS 1.3, after user_canceled: the next record, gathered raw
	 * (tls_closure.h), and the verdict once there is one (1: not yet). */
	uint8_t closing[TLS_CLOSURE_RECORD_MAX];
	size_t closing_len;
	ssize_t closing_result;
};

void channel_init(struct channel *ch, int rfd, int wfd);

/* From now on the channel speaks TLS over the session tls (after its
 * handshake); the channel owns it. */
void channel_set_tls(struct channel *ch, gnutls_session_t tls);

/* true when the channel speaks TLS. */
bool channel_is_tls(const struct channel *ch);

/* The channel's TLS session, for questions about it (certificates,
 * tickets); NULL on a plain channel. */
gnutls_session_t channel_tls_session(const struct channel *ch);

/* >0 bytes read, 0 at a clean end (TCP FIN, or TLS close_notify, also
 * after user_canceled), -EAGAIN, -ECONNABORTED when a TLS peer closed
 * without close_notify (user_canceled and then the end of the stream
 * included), -errno or -EPROTO for a TLS error. */
ssize_t channel_recv(struct channel *ch, void *buf, size_t len);

/* >0 bytes written, -EAGAIN, -errno. After -EAGAIN on TLS, call again with
 * the same buffer and length (GnuTLS keeps the record it started). */
ssize_t channel_send(struct channel *ch, const void *buf, size_t len);

/* true when channel_send_file() hands the file to the kernel: always on a
 * plain socket; under TLS only when GnuTLS gave the record layer to the
 * kernel (kTLS), which then encrypts what sendfile() reads. */
bool channel_can_send_file(struct channel *ch);

/* Sends up to count bytes of fd from *offset (advanced) with sendfile():
 * >0 bytes sent, 0 at the end of the file, -EAGAIN, -errno. Only when
 * channel_can_send_file(). */
ssize_t channel_send_file(struct channel *ch, int fd, off_t *offset, size_t count);

/* For a TLS data connection, after its handshake: the transport reads
 * ahead, so that one recv() serves many records, and sends the records of
 * a batch together (tls_transport.h). Only where every byte the peer sends
 * is TLS: never on a control connection. One channel at a time: a
 * second one stays untuned. */
void channel_tune_for_data(struct channel *ch);

/* Between the two, the TLS records channel_send() makes may wait in this
 * process to go out together. channel_batch_end() sends them: 0 when all
 * went, -EAGAIN (call it again when channel_wait() says the channel is
 * writable), or -errno. A no-op on plain and untuned channels. */
void channel_batch_begin(struct channel *ch);
int channel_batch_end(struct channel *ch);

/* true when received bytes wait in this process (decrypted in the TLS
 * layer, or read ahead): poll() would not see them. */
bool channel_pending(struct channel *ch);

/* The descriptor and poll() events to wait for after -EAGAIN, for an
 * operation that wanted to read (want_write false) or write. TLS may need
 * the other direction for its own records. */
void channel_poll_spec(struct channel *ch, bool want_write, int *ret_fd, short *ret_events);

/* Waits until the channel can progress in that direction. 0, -ETIMEDOUT. */
int channel_wait(struct channel *ch, bool want_write, int64_t deadline);

/* Writes all of buf before deadline. 0, -ETIMEDOUT, -errno. */
int channel_send_all(struct channel *ch, const void *buf, size_t len, int64_t deadline);

/* Sends TLS close_notify (if TLS), half-closes, and for TLS waits until
 * deadline for the peer's close_notify or end of stream; then closes the
 * descriptors and frees the TLS session. Safe to call twice. */
void channel_close(struct channel *ch, int64_t deadline);

/* Closes without any goodbye: for aborts, where the peer gets an RST. */
void channel_abort(struct channel *ch);
