/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "linebuf.h"
#include "banned.h"

/* RFC 854 codes the parser must recognize. */
enum {
	TELNET_IAC = 255,
	TELNET_DONT = 254,
	TELNET_DO = 253,
	TELNET_WONT = 252,
	TELNET_WILL = 251,
	TELNET_SB = 250,
	TELNET_SE = 240,
};

enum telnet_state {
	TS_DATA,
	TS_IAC,      /* saw IAC */
	TS_OPTION,   /* saw IAC WILL/WONT/DO/DONT: one option byte follows */
	TS_SUB,      /* inside IAC SB ... IAC SE */
	TS_SUB_IAC,  /* saw IAC inside a subnegotiation */
};

void linebuf_init(struct linebuf *lb)
{
	memset(lb, 0, sizeof(*lb));
}

void linebuf_take(struct linebuf *lb)
{
	lb->len = 0;
	lb->line[0] = '\0';
	lb->ready = false;
	lb->cr = false;
}

/* Appends one data byte, or notes the overflow. */
static void put_byte(struct linebuf *lb, unsigned char c)
{
	if (lb->overflow)
		return;
	if (lb->len >= LINE_MAX_BYTES) {
		lb->overflow = true;
		return;
	}
	lb->line[lb->len++] = (char)c;
}

/* Handles one byte of the data stream; returns a result when a line ends. */
static enum linebuf_result data_byte(struct linebuf *lb, unsigned char c)
{
	if (c == '\n') {
		/* CRLF or a bare LF ends the line; the CR is not part of it,
		 * so a pending CR was never stored and takes no room. */
		lb->cr = false;
		if (lb->overflow) {
			lb->overflow = false;
			lb->len = 0;
			return LINE_TOO_LONG;
		}
		lb->line[lb->len] = '\0';
		lb->ready = true;
		return LINE_READY;
	}
	if (lb->cr) {   /* the CR was not followed by LF: it is data */
		put_byte(lb, '\r');
		lb->cr = false;
	}
	if (c == '\r')
		lb->cr = true;
	else
		put_byte(lb, c);
	return LINE_NEED_MORE;
}

static enum linebuf_result telnet_byte(struct linebuf *lb, unsigned char c)
{
	switch (lb->telnet) {
	case TS_DATA:
		if (c == TELNET_IAC) {
			lb->telnet = TS_IAC;
			return LINE_NEED_MORE;
		}
		return data_byte(lb, c);
	case TS_IAC:
		if (c == TELNET_IAC) {   /* IAC IAC is a literal 255 */
			lb->telnet = TS_DATA;
			return data_byte(lb, c);
		}
		if (c >= TELNET_WILL && c <= TELNET_DONT)
			lb->telnet = TS_OPTION;
		else if (c == TELNET_SB)
			lb->telnet = TS_SUB;
		else
			lb->telnet = TS_DATA;   /* IP, DM, AYT, ...: a command of its own */
		return LINE_NEED_MORE;
	case TS_OPTION:
		/* We do not negotiate options; ignoring the request is the
		 * RFC 854 minimum a server that never asks may implement. */
		lb->telnet = TS_DATA;
		return LINE_NEED_MORE;
	case TS_SUB:
		if (c == TELNET_IAC)
			lb->telnet = TS_SUB_IAC;
		return LINE_NEED_MORE;
	case TS_SUB_IAC:
		lb->telnet = c == TELNET_SE ? TS_DATA : TS_SUB;
		return LINE_NEED_MORE;
	}
	lb->telnet = TS_DATA;
	return LINE_NEED_MORE;
}

enum linebuf_result linebuf_feed(struct linebuf *lb, const unsigned char *in, size_t n,
				 size_t *consumed)
{
	size_t i = 0;

	if (lb->ready) {
		*consumed = 0;
		return LINE_READY;
	}
	while (i < n) {
		enum linebuf_result r = telnet_byte(lb, in[i++]);

		if (r != LINE_NEED_MORE) {
			*consumed = i;
			return r;
		}
	}
	*consumed = i;
	return LINE_NEED_MORE;
}
