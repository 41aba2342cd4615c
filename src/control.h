/* SPDX-License-Identifier: ISC */
/* The control connection: its channel, the bytes read and not yet made
 * into lines, the line assembler, and the reply lines waiting to go out.
 * Nothing else reads or writes it: the command loop takes its lines
 * (between commands, and during a transfer for ABOR and STAT), reply.c
 * puts the replies on it. It knows bytes and lines, not commands. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "channel.h"
#include "linebuf.h"

enum control_input {
	CONTROL_LINE,         /* a complete line: control_line() */
	CONTROL_TOO_LONG,     /* a line over LINE_MAX_BYTES was discarded */
	CONTROL_AGAIN,        /* nothing more yet (control_poll() only) */
	CONTROL_END,          /* the peer's end, or an error */
	CONTROL_NO_CLOSE_NOTIFY,  /* TLS: the peer ended without close_notify */
	CONTROL_TIMEOUT,      /* the deadline passed (control_next_line() only) */
	CONTROL_INTERRUPTED,  /* a signal (control_next_line() only): see stop.h */
};

struct control {
	struct channel ch;
	struct linebuf lb;
	unsigned char in[4096];          /* read from ch, not yet fed to lb */
	size_t in_off, in_len;
	char out[REPLY_LINE_MAX];        /* reply lines not yet sent: the longest fits */
	size_t out_len;
	int last_code;                   /* the final reply code of the current command */
	bool first_line;                 /* the next line is the first on this channel */
	bool broken;                     /* a reply could not be sent: send no more */
};

void control_init(struct control *c, int rfd, int wfd);

/* Privilege separation's handover (monitor.c, privsep.c): the input read
 * but not yet taken as a line, and the same state set up again on another
 * pair of descriptors with that input pending. The line assembler starts
 * empty; no line on the new pair is the channel's first. */
const unsigned char *control_unread(const struct control *c, size_t *len);
void control_take_over(struct control *c, int rfd, int wfd, const unsigned char *input, size_t len);

/* The next line if one can be had without waiting: CONTROL_LINE,
 * CONTROL_TOO_LONG, CONTROL_AGAIN, or the connection's end. */
enum control_input control_poll(struct control *c);

/* The next line, waiting for it until deadline: anything but
 * CONTROL_AGAIN. */
enum control_input control_next_line(struct control *c, int64_t deadline);

/* The line CONTROL_LINE announced, NUL-terminated, *len bytes. It stays
 * (and control_poll() keeps announcing it) until control_take_line(). */
const char *control_line(const struct control *c, size_t *len);
void control_take_line(struct control *c);

/* true once, for the first line after control_init() or
 * control_set_tls(): a request of another protocol shows there. */
bool control_take_first_line(struct control *c);

/* Forgets input not yet taken as a command: what was read and a partial
 * line (AUTH TLS: it came in the clear). */
void control_drop_input(struct control *c);

/* From now on the connection speaks TLS over tls (after its handshake). */
void control_set_tls(struct control *c, gnutls_session_t tls);

/* The socket to poll() for input, when control_pending() is false. */
int control_fd(const struct control *c);

/* true when input waits in this process, where poll() cannot see it. */
bool control_pending(struct control *c);

/* Adds a reply line (CRLF included, at most REPLY_LINE_MAX bytes); what
 * was gathered is sent first, before deadline, when it would not fit. */
void control_put(struct control *c, const char *line, size_t len, int64_t deadline);

/* Sends what is gathered before deadline. A failure breaks the
 * connection for replies: nothing more is sent. */
void control_flush(struct control *c, int64_t deadline);

bool control_broken(const struct control *c);

/* Ends the connection: TLS close_notify and the peer's, until deadline. */
void control_close(struct control *c, int64_t deadline);
