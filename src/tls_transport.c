/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "bounds.h"
#include "pages.h"
#include "tls_transport.h"
#include "banned.h"

struct tls_transport {
	bool attached;
	int rfd, wfd;
	/* Read ahead: in[in_off..in_len) came in and GnuTLS has not had it. */
	size_t in_len, in_off;
	char in[TLS_READ_AHEAD_BYTES] __attribute__((aligned(PAGES_ALIGN)));
	/* Write behind: out[out_off..out_len) are records not yet sent. */
	bool batching;
	size_t out_len, out_off;
	char out[TLS_WRITE_BEHIND_BYTES] __attribute__((aligned(PAGES_ALIGN)));
};

/* The one transport (a session has one data connection at a time): half
 * a megabyte that is not allocated per connection, and whose pages go
 * back to the kernel when the connection ends (pages.h). */
static struct tls_transport the_transport;

static ssize_t pull(gnutls_transport_ptr_t ptr, void *data, size_t size)
{
	struct tls_transport *t = ptr;
	size_t n;

	if (t->in_off == t->in_len) {
		ssize_t r;

		do
			r = recv(t->rfd, t->in, sizeof(t->in), 0);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return r;   /* errno tells GnuTLS EAGAIN or the error */
		t->in_len = (size_t)r;
		t->in_off = 0;
	}
	n = t->in_len - t->in_off < size ? t->in_len - t->in_off : size;
	memcpy(data, t->in + t->in_off, n);
	t->in_off += n;
	return (ssize_t)n;
}

/* GnuTLS's wait for input, when it needs one. */
static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct tls_transport *t = ptr;
	struct pollfd pfd = { .fd = t->rfd, .events = POLLIN };
	int r;

	if (t->in_off < t->in_len)
		return 1;
	do
		r = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : r > 0;
}

/* Sends what waits in out without blocking: 0 when it is all gone, -1
 * with errno (EAGAIN: the socket is full). */
static int drain(struct tls_transport *t)
{
	while (t->out_off < t->out_len) {
		ssize_t r = send(t->wfd, t->out + t->out_off, t->out_len - t->out_off, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		t->out_off += (size_t)r;
	}
	t->out_off = t->out_len = 0;
	return 0;
}

static ssize_t push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
	struct tls_transport *t = ptr;
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	size_t total = 0;
	ssize_t r;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	/* What waits goes first: records leave in order. Outside a batch
	 * (handshake, alerts, close_notify) nothing waits after this call. */
	if (total > sizeof(t->out) - t->out_len || !t->batching)
		if (drain(t) < 0)
			return -1;
	if (t->batching && total <= sizeof(t->out) - t->out_len) {
		for (int i = 0; i < iovcnt; i++) {
			memcpy(t->out + t->out_len, iov[i].iov_base, iov[i].iov_len);
			t->out_len += iov[i].iov_len;
		}
		return (ssize_t)total;
	}
	do
		r = sendmsg(t->wfd, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r;
}

struct tls_transport *tls_transport_attach(gnutls_session_t s)
{
	struct tls_transport *t = &the_transport;

	if (t->attached)
		return NULL;
	gnutls_transport_get_int2(s, &t->rfd, &t->wfd);
	t->attached = true;
	t->in_len = t->in_off = 0;
	t->batching = false;
	t->out_len = t->out_off = 0;
	/* The callbacks get t; the descriptors are in it. */
	gnutls_transport_set_ptr(s, t);
	gnutls_transport_set_pull_function(s, pull);
	gnutls_transport_set_pull_timeout_function(s, pull_timeout);
	gnutls_transport_set_vec_push_function(s, push);
	return t;
}

void tls_transport_detach(struct tls_transport *t)
{
	if (!t)
		return;
	t->attached = false;
	pages_release(t->in, sizeof(t->in));
	pages_release(t->out, sizeof(t->out));
}

bool tls_transport_pending(const struct tls_transport *t)
{
	return t && t->in_off < t->in_len;
}

size_t tls_transport_take(struct tls_transport *t, void *buf, size_t len)
{
	size_t n;

	if (!t)
		return 0;
	n = t->in_len - t->in_off < len ? t->in_len - t->in_off : len;
	memcpy(buf, t->in + t->in_off, n);
	t->in_off += n;
	return n;
}

bool tls_transport_unsent(const struct tls_transport *t)
{
	return t && t->out_off < t->out_len;
}

void tls_transport_batch_begin(struct tls_transport *t)
{
	if (t)
		t->batching = true;
}

int tls_transport_batch_end(struct tls_transport *t)
{
	if (!t)
		return 0;
	t->batching = false;
	if (drain(t) == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -EAGAIN;
	t->out_off = t->out_len = 0;
	return -errno;
}
