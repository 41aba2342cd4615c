/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <gnutls/socket.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel.h"
#include "stop.h"
#include "tls_transport.h"
#include "util.h"
#include "banned.h"

void channel_init(struct channel *ch, int rfd, int wfd)
{
	ch->rfd = rfd;
	ch->wfd = wfd;
	ch->tls = NULL;
	ch->transport = NULL;
	ch->peer_closed_cleanly = false;
	ch->peer_canceled = false;
	ch->closing_len = 0;
	ch->closing_result = 1;
}

void channel_set_tls(struct channel *ch, gnutls_session_t tls)
{
	ch->tls = tls;
}

bool channel_is_tls(const struct channel *ch)
{
	return ch->tls != NULL;
}

gnutls_session_t channel_tls_session(const struct channel *ch)
{
	return ch->tls;
}

/* Maps a GnuTLS record error to the errno-style contract above. */
static ssize_t tls_error(ssize_t r)
{
	switch (r) {
	case GNUTLS_E_AGAIN:
	case GNUTLS_E_INTERRUPTED:
		return -EAGAIN;
	case GNUTLS_E_PREMATURE_TERMINATION:
		return -ECONNABORTED;
	case GNUTLS_E_PUSH_ERROR:
		return -EPIPE;
	case GNUTLS_E_PULL_ERROR:
		return -ECONNRESET;
	default:
		return -EPROTO;
	}
}

/* Raw bytes from under the TLS layer: those read ahead first. */
static ssize_t recv_raw(struct channel *ch, void *buf, size_t len)
{
	size_t taken = tls_transport_take(ch->transport, buf, len);
	ssize_t r;

	if (taken > 0)
		return (ssize_t)taken;
	do
		r = recv(ch->rfd, buf, len, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

/* TLS 1.3 after user_canceled, where GnuTLS reads no more: gathers the
 * next record and lets tls_closure.c say whether it is close_notify.
 * The end of the stream, or anything else, is a truncation. */
static ssize_t recv_closure(struct channel *ch)
{
	while (ch->closing_result > 0) {
		ssize_t size = tls13_closure_record_size(ch->closing, ch->closing_len);
		size_t want = size > 0 ? (size_t)size : 5;
		ssize_t n;

		if (size < 0) {
			ch->closing_result = -ECONNABORTED;
		} else if (size > 0 && ch->closing_len == (size_t)size) {
			bool bye = tls13_record_is_close_notify(ch->tls, ch->closing, ch->closing_len) == 1;

			ch->closing_result = bye ? 0 : -ECONNABORTED;
			ch->peer_closed_cleanly = bye;
		} else {
			n = recv_raw(ch, ch->closing + ch->closing_len, want - ch->closing_len);
			if (n == -EAGAIN)
				return n;
			if (n <= 0)
				ch->closing_result = -ECONNABORTED;
			else
				ch->closing_len += (size_t)n;
		}
	}
	return ch->closing_result;
}

ssize_t channel_recv(struct channel *ch, void *buf, size_t len)
{
	ssize_t r;

	if (ch->tls && ch->peer_canceled && gnutls_protocol_get_version(ch->tls) == GNUTLS_TLS1_3)
		return recv_closure(ch);
	if (ch->tls) {
		for (;;) {
			r = gnutls_record_recv(ch->tls, buf, len);
			/* RFC 8446 §6.1: what follows a closure alert is ignored. */
			if (r > 0 && ch->peer_canceled)
				continue;
			if (r >= 0) {
				if (r == 0)
					ch->peer_closed_cleanly = true;
				return r;
			}
			/* A TLS 1.2 client asking to renegotiate: we never do
			 * (RFC 5746 makes it safe, but nothing here needs it).
			 * A warning alert declines, and the session goes on. */
			if (r == GNUTLS_E_REHANDSHAKE) {
				gnutls_alert_send(ch->tls, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
				continue;
			}
			/* user_canceled: Java's TLS 1.3 sends it right before its
			 * close_notify whenever it closes a socket open both ways,
			 * and a client whose user cancels sends it too, with or
			 * without close_notify. Only the close_notify completes the
			 * stream (RFC 8446 §6.1). TLS 1.2 reads on after the warning;
			 * GnuTLS takes any TLS 1.3 alert for fatal and stops, so the
			 * next record is read beside it (recv_closure). */
			if ((r == GNUTLS_E_WARNING_ALERT_RECEIVED || r == GNUTLS_E_FATAL_ALERT_RECEIVED) &&
			    gnutls_alert_get(ch->tls) == GNUTLS_A_USER_CANCELED) {
				ch->peer_canceled = true;
				if (r == GNUTLS_E_WARNING_ALERT_RECEIVED)
					continue;
				if (gnutls_protocol_get_version(ch->tls) == GNUTLS_TLS1_3)
					return recv_closure(ch);
				return -ECONNABORTED;
			}
			return tls_error(r);
		}
	}
	for (;;) {
		r = read(ch->rfd, buf, len);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

ssize_t channel_send(struct channel *ch, const void *buf, size_t len)
{
	ssize_t r;

	if (ch->tls) {
		r = gnutls_record_send(ch->tls, buf, len);
		return r >= 0 ? r : tls_error(r);
	}
	for (;;) {
		r = send(ch->wfd, buf, len, MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK)   /* a pipe, in transcript tests */
			r = write(ch->wfd, buf, len);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

bool channel_can_send_file(struct channel *ch)
{
	return !ch->tls || (gnutls_transport_is_ktls_enabled(ch->tls) & GNUTLS_KTLS_SEND);
}

ssize_t channel_send_file(struct channel *ch, int fd, off_t *offset, size_t count)
{
	ssize_t r;

	if (ch->tls) {
		r = gnutls_record_send_file(ch->tls, fd, offset, count);
		return r >= 0 ? r : tls_error(r);
	}
	for (;;) {
		r = sendfile(ch->wfd, fd, offset, count);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

void channel_tune_for_data(struct channel *ch)
{
	/* Under kTLS the kernel does the records: nothing to tune. */
	if (!gnutls_transport_is_ktls_enabled(ch->tls))
		ch->transport = tls_transport_attach(ch->tls);
}

void channel_batch_begin(struct channel *ch)
{
	tls_transport_batch_begin(ch->transport);
}

int channel_batch_end(struct channel *ch)
{
	return tls_transport_batch_end(ch->transport);
}

bool channel_pending(struct channel *ch)
{
	return ch->tls && (gnutls_record_check_pending(ch->tls) > 0 || tls_transport_pending(ch->transport));
}

void channel_poll_spec(struct channel *ch, bool want_write, int *ret_fd, short *ret_events)
{
	bool write_dir = want_write;

	/* Records waiting in the transport wait for the socket to take them;
	 * otherwise GnuTLS tells which way its interrupted operation went. */
	if (tls_transport_unsent(ch->transport))
		write_dir = true;
	else if (ch->tls)
		write_dir = gnutls_record_get_direction(ch->tls) == 1;
	*ret_fd = write_dir ? ch->wfd : ch->rfd;
	*ret_events = write_dir ? POLLOUT : POLLIN;
}

int channel_wait(struct channel *ch, bool want_write, int64_t deadline)
{
	struct pollfd pfd;

	if (!want_write && channel_pending(ch))
		return 0;
	channel_poll_spec(ch, want_write, &pfd.fd, &pfd.events);
	for (;;) {
		int r = stop_poll(&pfd, 1, ms_until(deadline));

		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
		if (stop_requested())   /* SIGTERM, SIGHUP: the session ends */
			return -EINTR;
	}
}

int channel_send_all(struct channel *ch, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = channel_send(ch, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == -EAGAIN) {
			int r = channel_wait(ch, true, deadline);

			if (r < 0)
				return r;
		} else {
			return n < 0 ? (int)n : -EIO;
		}
	}
	return 0;
}

/* Sends close_notify, then reads until the peer's own or end of stream. */
static void tls_goodbye(struct channel *ch, int64_t deadline)
{
	char sink[4096];
	int r;

	while ((r = gnutls_bye(ch->tls, GNUTLS_SHUT_WR)) == GNUTLS_E_AGAIN ||
	       r == GNUTLS_E_INTERRUPTED)
		if (channel_wait(ch, true, deadline) < 0)
			return;
	if (r < 0 || ch->peer_closed_cleanly)
		return;
	for (;;) {
		ssize_t n = channel_recv(ch, sink, sizeof(sink));

		if (n == -EAGAIN) {
			if (channel_wait(ch, false, deadline) < 0)
				return;
		} else if (n <= 0) {
			return;
		}
	}
}

void channel_close(struct channel *ch, int64_t deadline)
{
	if (ch->rfd >= 0 && ch->tls)
		tls_goodbye(ch, deadline);
	channel_abort(ch);
}

void channel_abort(struct channel *ch)
{
	if (ch->rfd < 0)
		return;
	if (ch->tls) {
		gnutls_deinit(ch->tls);
		ch->tls = NULL;
	}
	tls_transport_detach(ch->transport);
	ch->transport = NULL;
	close(ch->rfd);
	if (ch->wfd != ch->rfd)
		close(ch->wfd);
	ch->rfd = ch->wfd = -1;
}
