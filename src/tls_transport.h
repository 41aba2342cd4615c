/* SPDX-License-Identifier: ISC */
/* The transport under the GnuTLS session of a TLS data connection.
 *
 * GnuTLS reads a record from its transport in two recv() calls (header,
 * then body) and writes each record with its own sendmsg(): four system
 * calls per 16 KiB, which cost a transfer as much as the encryption on a
 * machine where system calls are dear. Here the transport reads ahead,
 * and the records of a batch wait in one buffer to go out in one send().
 *
 * Only for data connections: every byte the peer sends there is TLS, so
 * reading ahead takes nothing that is not ours to read (on the control
 * connection, the plaintext before AUTH must not be read past). A session
 * has one data connection at a time: there is one transport, and attach
 * refuses a second one while the first is attached. The channel holds the
 * transport it got and passes it to every call; NULL is a channel without
 * one (every call is then a no-op). */
#pragma once
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

struct tls_transport;

/* Takes over the session's transport, on the descriptors it already has
 * (gnutls_transport_set_int2). After the handshake. NULL when the
 * transport is attached to another channel: s keeps GnuTLS's own. */
struct tls_transport *tls_transport_attach(gnutls_session_t s);

/* Forgets t's buffered bytes (its connection is closing) and frees it
 * for the next channel. */
void tls_transport_detach(struct tls_transport *t);

/* true when bytes read ahead wait for GnuTLS: poll() would not see them. */
bool tls_transport_pending(const struct tls_transport *t);

/* Moves up to len bytes read ahead, not yet given to GnuTLS, to buf: the
 * bytes taken (0 when none wait). For reading past a point where GnuTLS
 * stopped (tls_closure.h). */
size_t tls_transport_take(struct tls_transport *t, void *buf, size_t len);

/* true when records wait to be sent. */
bool tls_transport_unsent(const struct tls_transport *t);

/* Records sent until batch_end wait in one buffer and go out together.
 * batch_end sends what waits: 0 when all went out (the batch is over),
 * -EAGAIN when the socket is full (call again when it is writable), or
 * -errno (the batch is over, the rest dropped). */
void tls_transport_batch_begin(struct tls_transport *t);
int tls_transport_batch_end(struct tls_transport *t);
