/* SPDX-License-Identifier: ISC */
/* TLS 1.3: the close_notify that should follow a user_canceled alert.
 * GnuTLS takes every TLS 1.3 alert but close_notify for fatal and stops
 * reading the session there, yet a client that cancels and a Java client
 * that merely closes both send user_canceled: only what follows tells a
 * finished upload (close_notify) from a cut one (nothing). This reads that
 * one record with the session's own read key. */
#pragma once
#include <gnutls/gnutls.h>
#include <stddef.h>
#include <stdint.h>

/* The most a record we wait for may hold: an encrypted alert is 19 bytes
 * with AEAD tag and inner type; more is padding we do not need. */
#define TLS_CLOSURE_RECORD_MAX (5 + 256)

/* rec[0..len) is a whole record (header included) that came after the
 * alert. 1 when it authenticates and holds a close_notify alert, 0 for
 * anything else (forged, or other content), -errno when it cannot be
 * checked. */
int tls13_record_is_close_notify(gnutls_session_t session, const uint8_t *rec, size_t len);

/* The length of the whole record that rec[0..len) begins, once its header
 * is there (0 before), or -EBADMSG when it cannot be an encrypted alert. */
ssize_t tls13_closure_record_size(const uint8_t *rec, size_t len);
