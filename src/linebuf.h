/* SPDX-License-Identifier: ISC */
/* Assembles command lines from the control connection's bytes: Telnet IAC
 * sequences removed (RFC 854), CRLF or bare LF ends a line, and a line over
 * LINE_MAX_BYTES is discarded up to its end rather than buffered. Pure: bytes
 * in, lines out, no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"

enum linebuf_result {
	LINE_NEED_MORE,   /* all input consumed, no line complete */
	LINE_READY,       /* lb->line holds a line of lb->len bytes, NUL-terminated */
	LINE_TOO_LONG,    /* a line exceeded the limit and was discarded */
};

struct linebuf {
	char line[LINE_MAX_BYTES + 1];
	size_t len;
	unsigned char telnet;  /* Telnet parser state */
	bool cr;               /* a CR was read and not yet stored: LF may follow */
	bool overflow;         /* discarding the rest of an over-long line */
	bool ready;            /* line holds a complete line not yet taken */
};

void linebuf_init(struct linebuf *lb);

/* Consumes bytes from in[0..n) until a line completes or the input ends;
 * *consumed says how many were used. After LINE_READY the caller takes the
 * line and calls linebuf_take() before feeding more. */
enum linebuf_result linebuf_feed(struct linebuf *lb, const unsigned char *in, size_t n,
				 size_t *consumed);

/* Forgets the completed line. */
void linebuf_take(struct linebuf *lb);
