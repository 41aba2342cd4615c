/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "banned.h"

void control_init(struct control *c, int rfd, int wfd)
{
	memset(c, 0, sizeof(*c));
	channel_init(&c->ch, rfd, wfd);
	linebuf_init(&c->lb);
	c->first_line = true;
}

const unsigned char *control_unread(const struct control *c, size_t *len)
{
	*len = c->in_len - c->in_off;
	return c->in + c->in_off;
}

void control_take_over(struct control *c, int rfd, int wfd, const unsigned char *input, size_t len)
{
	control_init(c, rfd, wfd);
	if (len > sizeof(c->in))
		len = sizeof(c->in);   /* the caller's bound is this one; never past it */
	memcpy(c->in, input, len);
	c->in_len = len;
	c->first_line = false;
}

/* Feeds buffered input to the line assembler. */
static enum linebuf_result feed(struct control *c)
{
	size_t used = 0;
	enum linebuf_result r = linebuf_feed(&c->lb, c->in + c->in_off, c->in_len - c->in_off, &used);

	c->in_off += used;
	return r;
}

/* Reads what the channel has without waiting: >0, 0 at its end, -EAGAIN,
 * -errno. */
static ssize_t fill(struct control *c)
{
	ssize_t n;

	if (c->in_off < c->in_len)
		return (ssize_t)(c->in_len - c->in_off);
	c->in_off = c->in_len = 0;
	n = channel_recv(&c->ch, c->in, sizeof(c->in));
	if (n > 0)
		c->in_len = (size_t)n;
	return n;
}

enum control_input control_poll(struct control *c)
{
	for (;;) {
		enum linebuf_result lr = feed(c);
		ssize_t n;

		if (lr == LINE_READY)
			return CONTROL_LINE;
		if (lr == LINE_TOO_LONG)
			return CONTROL_TOO_LONG;
		n = fill(c);
		if (n > 0)
			continue;
		if (n == -EAGAIN)
			return CONTROL_AGAIN;
		return n == -ECONNABORTED ? CONTROL_NO_CLOSE_NOTIFY : CONTROL_END;
	}
}

enum control_input control_next_line(struct control *c, int64_t deadline)
{
	for (;;) {
		enum control_input in = control_poll(c);
		int r;

		if (in != CONTROL_AGAIN)
			return in;
		r = channel_wait(&c->ch, false, deadline);
		if (r == -EINTR)
			return CONTROL_INTERRUPTED;
		if (r == -ETIMEDOUT)
			return CONTROL_TIMEOUT;
	}
}

const char *control_line(const struct control *c, size_t *len)
{
	*len = c->lb.len;
	return c->lb.line;
}

void control_take_line(struct control *c)
{
	linebuf_take(&c->lb);
}

bool control_take_first_line(struct control *c)
{
	bool first = c->first_line;

	c->first_line = false;
	return first;
}

void control_drop_input(struct control *c)
{
	c->in_off = c->in_len = 0;
	linebuf_init(&c->lb);
}

void control_set_tls(struct control *c, gnutls_session_t tls)
{
	channel_set_tls(&c->ch, tls);
	c->first_line = true;   /* a cross-protocol request may come inside TLS */
}

int control_fd(const struct control *c)
{
	return c->ch.rfd;
}

bool control_pending(struct control *c)
{
	return c->in_off < c->in_len || channel_pending(&c->ch);
}

void control_put(struct control *c, const char *line, size_t len, int64_t deadline)
{
	if (len > sizeof(c->out))
		len = sizeof(c->out);
	/* After a flush the longest line fits: nothing is ever dropped. */
	if (c->out_len + len > sizeof(c->out))
		control_flush(c, deadline);
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
}

void control_flush(struct control *c, int64_t deadline)
{
	if (c->out_len == 0)
		return;
	if (!c->broken && channel_send_all(&c->ch, c->out, c->out_len, deadline) < 0)
		c->broken = true;
	c->out_len = 0;
}

bool control_broken(const struct control *c)
{
	return c->broken;
}

void control_close(struct control *c, int64_t deadline)
{
	channel_close(&c->ch, deadline);
}
