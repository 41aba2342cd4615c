/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "bounds.h"
#include "tls_transport.h"
#include "banned.h"

static struct {
	const void *owner;
	int rfd, wfd;
	/* Read ahead: in[in_off..in_len) came in and GnuTLS has not had it. */
	size_t in_len, in_off;
	char in[TLS_READ_AHEAD_BYTES];
	/* Write behind: out[out_off..out_len) are records not yet sent. */
	bool batching;
	size_t out_len, out_off;
	char out[TLS_WRITE_BEHIND_BYTES];
} io;

static ssize_t pull(gnutls_transport_ptr_t unused, void *data, size_t size)
{
	size_t n;

	(void)unused;
	if (io.in_off == io.in_len) {
		ssize_t r;

		do
			r = recv(io.rfd, io.in, sizeof(io.in), 0);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return r;   /* errno tells GnuTLS EAGAIN or the error */
		io.in_len = (size_t)r;
		io.in_off = 0;
	}
	n = io.in_len - io.in_off < size ? io.in_len - io.in_off : size;
	memcpy(data, io.in + io.in_off, n);
	io.in_off += n;
	return (ssize_t)n;
}

/* GnuTLS's wait for input, when it needs one. */
static int pull_timeout(gnutls_transport_ptr_t unused, unsigned ms)
{
	struct pollfd pfd = { .fd = io.rfd, .events = POLLIN };
	int r;

	(void)unused;
	if (io.in_off < io.in_len)
		return 1;
	do
		r = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : r > 0;
}

/* Sends what waits in out without blocking: 0 when it is all gone, -1
 * with errno (EAGAIN: the socket is full). */
static int drain(void)
{
	while (io.out_off < io.out_len) {
		ssize_t r = send(io.wfd, io.out + io.out_off, io.out_len - io.out_off, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		io.out_off += (size_t)r;
	}
	io.out_off = io.out_len = 0;
	return 0;
}

static ssize_t push(gnutls_transport_ptr_t unused, const giovec_t *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	size_t total = 0;
	ssize_t r;

	(void)unused;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	/* What waits goes first: records leave in order. Outside a batch
	 * (handshake, alerts, close_notify) nothing waits after this call. */
	if (total > sizeof(io.out) - io.out_len || !io.batching)
		if (drain() < 0)
			return -1;
	if (io.batching && total <= sizeof(io.out) - io.out_len) {
		for (int i = 0; i < iovcnt; i++) {
			memcpy(io.out + io.out_len, iov[i].iov_base, iov[i].iov_len);
			io.out_len += iov[i].iov_len;
		}
		return (ssize_t)total;
	}
	do
		r = sendmsg(io.wfd, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r;
}

void tls_transport_attach(gnutls_session_t s, const void *owner)
{
	gnutls_transport_get_int2(s, &io.rfd, &io.wfd);
	io.owner = owner;
	io.in_len = io.in_off = 0;
	io.batching = false;
	io.out_len = io.out_off = 0;
	gnutls_transport_set_pull_function(s, pull);
	gnutls_transport_set_pull_timeout_function(s, pull_timeout);
	gnutls_transport_set_vec_push_function(s, push);
}

void tls_transport_detach(const void *owner)
{
	if (io.owner == owner)
		io.owner = NULL;
}

bool tls_transport_pending(const void *owner)
{
	return io.owner == owner && io.in_off < io.in_len;
}

size_t tls_transport_take(const void *owner, void *buf, size_t len)
{
	size_t n;

	if (io.owner != owner)
		return 0;
	n = io.in_len - io.in_off < len ? io.in_len - io.in_off : len;
	memcpy(buf, io.in + io.in_off, n);
	io.in_off += n;
	return n;
}

bool tls_transport_unsent(const void *owner)
{
	return io.owner == owner && io.out_off < io.out_len;
}

void tls_transport_batch_begin(const void *owner)
{
	if (io.owner == owner)
		io.batching = true;
}

int tls_transport_batch_end(const void *owner)
{
	if (io.owner != owner)
		return 0;
	io.batching = false;
	if (drain() == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -EAGAIN;
	io.out_off = io.out_len = 0;
	return -errno;
}
