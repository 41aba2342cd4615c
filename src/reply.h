/* SPDX-License-Identifier: ISC */
/* Replies on the control connection (RFC 959 §4.2), formatted here and
 * gathered by control.c, which sends them when the final line of a reply
 * is complete. */
#pragma once
#include "session.h"

/* A one-line reply "code text". */
void reply(struct session *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A multi-line reply: reply_begin "code-text", reply_more " text" lines,
 * then reply() with the same code ends it. */
void reply_begin(struct session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void reply_more(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The reply for a failed filesystem operation, chosen from errno in one
 * place: what is the code for ENOENT, EACCES, ENOSPC, ... */
void reply_errno(struct session *s, int err, const char *what);

/* The reply for a data connection that could not be opened (data_open()'s
 * results): 425, or 522 for its TLS. */
void reply_data_errno(struct session *s, int err);

/* Sends what is gathered. A failure ends the session (session_ending()). */
void reply_flush(struct session *s);
