/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xfer.h"
#include "ascii.h"
#include "exit_status.h"
#include "log.h"
#include "pages.h"
#include "reply.h"
#include "stop.h"
#include "util.h"
#include "banned.h"

/* One transfer at a time per process: the buffers live here, and only the
 * pages a transfer touches cost memory, until xfer_finish() gives them
 * back (pages.h): an idle session holds none of them. TYPE A converts
 * from xfer_buf into ascii_buf, in as many rounds as the output needs: a
 * conversion is given ascii_buf's capacity and never writes past it. */
static char xfer_buf[XFER_BUF_BYTES] __attribute__((aligned(PAGES_ALIGN)));
static char ascii_buf[XFER_BUF_BYTES] __attribute__((aligned(PAGES_ALIGN)));

bool xfer_ready(struct session *s)
{
	if (s->data_mode == DATA_NONE) {
		reply(s, 425, "Use PORT, EPRT, PASV or EPSV first");
		return false;
	}
	if (config_tls_required(s->cfg->tls_require_data, s->anonymous) && !s->prot_private) {
		reply(s, 521, "Data connections must be protected: use PBSZ 0 and PROT P");
		session_clear_data(s);
		return false;
	}
	return true;
}

void xfer_init(struct xfer *x, struct session *s, struct channel *data)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->data = data;
	x->started_us = now_us();
	x->max_write = INT64_MAX;
}

void xfer_set_rate(struct xfer *x, uint64_t rate)
{
	ratelimit_init(&x->limit, rate);
}

void xfer_reply_status(struct xfer *x)
{
	reply_begin(x->s, 213, "Status: transfer in progress");
	reply_more(x->s, "%llu bytes transferred", (unsigned long long)x->bytes);
	reply(x->s, 213, "End of status");
}

void xfer_abort(struct xfer *x)
{
	/* RFC 959 §4.1.3: the data connection closes, the transfer gets 426,
	 * then ABOR its own reply. */
	channel_abort(x->data);
	x->status = XFER_ABORTED;
	reply(x->s, 426, "Transfer aborted");
}

/* Lets the command loop serve what arrived on the control connection:
 * ABOR and STAT run now, anything else waits for the transfer's end.
 * Returns false when the transfer must stop (x->status says why). */
static bool check_control(struct xfer *x)
{
	struct session *s = x->s;

	while (!x->control_paused) {
		enum transfer_command r;

		s->transfer = x;
		r = s->serve_in_transfer(s);
		s->transfer = NULL;
		if (r == TRANSFER_COMMAND_NONE)
			return true;
		if (r == TRANSFER_COMMAND_WAITS)
			x->control_paused = true;
		if (r == TRANSFER_COMMAND_LOST)
			x->status = XFER_CONTROL_LOST;
		if (x->status != XFER_DONE)
			return false;
	}
	return true;
}

/* Waits until the data channel can move in the wanted direction, minding
 * the control connection meanwhile. false when the transfer must stop. */
static bool wait_data(struct xfer *x, bool want_write)
{
	int64_t deadline = now_ms() + (int64_t)x->s->cfg->data_timeout * 1000;
	struct pollfd pfd[2];

	for (;;) {
		int nfds = 1, r;

		if (!x->control_paused && control_pending(&x->s->ctrl) && !check_control(x))
			return false;
		channel_poll_spec(x->data, want_write, &pfd[0].fd, &pfd[0].events);
		/* Paused, the control connection is still watched for its end. */
		pfd[1].fd = control_fd(&x->s->ctrl);
		pfd[1].events = x->control_paused ? POLLRDHUP : POLLIN;
		nfds = 2;
		r = stop_poll(pfd, (nfds_t)nfds, ms_until(deadline));
		if (stop_requested()) {
			x->status = XFER_STOPPED;
			return false;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			x->status = XFER_TIMEOUT;
			return false;
		}
		if (r < 0) {
			x->status = XFER_LOCAL_ERROR;
			x->err = errno;
			return false;
		}
		if (x->control_paused && (pfd[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			x->status = XFER_CONTROL_LOST;
			return false;
		}
		if (!x->control_paused && pfd[1].revents && !check_control(x))
			return false;
		if (pfd[0].revents)
			return true;
	}
}

/* Sleeps until the bandwidth limit lets the next chunk go: a poll() on
 * the control connection with the delay as its timeout, so that ABOR and
 * STAT are answered meanwhile and no cycle is spent spinning. */
static bool rate_wait(struct xfer *x)
{
	for (;;) {
		int64_t d = ratelimit_delay_us(&x->limit, now_us());
		struct pollfd pfd = { .fd = control_fd(&x->s->ctrl),
				      .events = x->control_paused ? POLLRDHUP : POLLIN };
		struct timespec ts;
		int r;

		if (d <= 0)
			return true;
		if (!x->control_paused && control_pending(&x->s->ctrl) && !check_control(x))
			return false;
		ts.tv_sec = (time_t)(d / 1000000);
		ts.tv_nsec = (long)(d % 1000000) * 1000;
		r = ppoll(&pfd, 1, &ts, NULL);
		if (r < 0 && errno != EINTR) {
			x->status = XFER_LOCAL_ERROR;
			x->err = errno;
			return false;
		}
		if (r <= 0)
			continue;
		if (x->control_paused) {
			x->status = XFER_CONTROL_LOST;   /* only its end wakes a paused watch */
			return false;
		}
		if (!check_control(x))
			return false;
	}
}

/* A look at the control connection between two chunks, without waiting,
 * so that ABOR is seen even when the data never blocks. */
static bool glance_control(struct xfer *x)
{
	struct pollfd pfd = { .fd = control_fd(&x->s->ctrl), .events = POLLIN };

	/* The zero-timeout poll also lets a pending stop signal in. */
	int r = stop_poll(&pfd, 1, 0);

	if (stop_requested()) {
		x->status = XFER_STOPPED;
		return false;
	}
	if (x->control_paused)
		return true;
	if (control_pending(&x->s->ctrl) || r > 0)
		return check_control(x);
	return true;
}

/* Sends buf[0..len) completely, or sets a status. Under TLS its records
 * go out together, in as few send() calls as the socket allows. */
static bool send_buffer(struct xfer *x, const char *buf, size_t len)
{
	size_t off = 0;
	int r;

	channel_batch_begin(x->data);
	while (off < len) {
		ssize_t n = channel_send(x->data, buf + off, len - off);

		if (n > 0) {
			off += (size_t)n;
			x->bytes += (uint64_t)n;
		} else if (n == -EAGAIN) {
			if (!wait_data(x, true))
				return false;
		} else {
			x->status = XFER_PEER_ERROR;
			x->err = n < 0 ? (int)-n : EIO;
			return false;
		}
	}
	while ((r = channel_batch_end(x->data)) == -EAGAIN)
		if (!wait_data(x, true))
			return false;
	if (r < 0) {
		x->status = XFER_PEER_ERROR;
		x->err = -r;
		return false;
	}
	return true;
}

/* The file goes from the page cache to the socket without a copy through
 * this process (under TLS too when the kernel does the encryption). */
static void send_with_sendfile(struct xfer *x, int fd, off_t offset, off_t size)
{
	x->kernel_tls = channel_is_tls(x->data);
	while (offset < size) {
		size_t chunk = size - offset > SENDFILE_CHUNK ? SENDFILE_CHUNK : (size_t)(size - offset);
		ssize_t n;

		if (!rate_wait(x))
			return;
		n = channel_send_file(x->data, fd, &offset, ratelimit_chunk(&x->limit, chunk));
		if (n > 0) {
			x->bytes += (uint64_t)n;
			ratelimit_spent(&x->limit, (size_t)n, now_us());
			if (!glance_control(x))
				return;
		} else if (n == 0) {
			return;   /* the file shrank: what there was is sent */
		} else if (n == -EAGAIN) {
			if (!wait_data(x, true))
				return;
		} else {
			x->status = n == -EPIPE || n == -ECONNRESET ? XFER_PEER_ERROR : XFER_LOCAL_ERROR;
			x->err = (int)-n;
			return;
		}
	}
}

/* TYPE A download: a chunk goes out in as many conversions as ascii_buf
 * needs (the output may be up to twice the input). */
static bool send_ascii(struct xfer *x, const char *in, size_t n, struct ascii_state *st)
{
	while (n > 0) {
		size_t used;
		size_t len = ascii_to_network(st, in, n, &used, ascii_buf, sizeof(ascii_buf));

		if (!send_buffer(x, ascii_buf, len))
			return false;
		in += used;
		n -= used;
	}
	return true;
}

void xfer_send_file(struct xfer *x, int fd, off_t offset, bool ascii)
{
	struct ascii_state st = { 0 };
	struct stat stat_buf;

	if (fstat(fd, &stat_buf) == 0 && S_ISREG(stat_buf.st_mode) && !ascii &&
	    channel_can_send_file(x->data)) {
		send_with_sendfile(x, fd, offset, stat_buf.st_size);
		return;
	}
	for (;;) {
		/* Half a buffer for TYPE A, so that its output usually fits in
		 * one conversion and goes out as one batch. */
		size_t half = ratelimit_chunk(&x->limit, ascii ? sizeof(xfer_buf) / 2 : sizeof(xfer_buf));
		ssize_t n;
		bool sent;

		if (!rate_wait(x))
			return;
		n = pread(fd, xfer_buf, half, offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			x->status = XFER_LOCAL_ERROR;
			x->err = errno;
			return;
		}
		if (n == 0)
			return;
		offset += n;
		sent = ascii ? send_ascii(x, xfer_buf, (size_t)n, &st)
			     : send_buffer(x, xfer_buf, (size_t)n);
		if (!sent)
			return;
		ratelimit_spent(&x->limit, (size_t)n, now_us());
		if (!glance_control(x))
			return;
	}
}

void xfer_send_generated(struct xfer *x, xfer_fill_fn *fill, void *ctx)
{
	for (;;) {
		ssize_t n = fill(ctx, xfer_buf, sizeof(xfer_buf));

		if (n < 0) {
			x->status = XFER_LOCAL_ERROR;
			x->err = (int)-n;
			return;
		}
		if (n == 0)
			return;
		if (!send_buffer(x, xfer_buf, (size_t)n) || !glance_control(x))
			return;
	}
}

static bool write_file(struct xfer *x, int fd, const char *p, size_t len)
{
	/* A quota: the upload ends before it writes past the room it has. */
	if (len > (uint64_t)x->max_write - x->written) {
		x->status = XFER_LOCAL_ERROR;
		x->err = EFBIG;
		return false;
	}
	x->written += len;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			x->status = XFER_LOCAL_ERROR;
			x->err = n < 0 ? errno : ENOSPC;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* TYPE A upload: a received batch is written in as many conversions as
 * ascii_buf needs. A batch can fill xfer_buf exactly while a CR is held
 * from the one before, so the output may be one byte longer than the
 * input: the capacity, not the input's size, bounds every conversion. */
static bool write_ascii(struct xfer *x, int fd, const char *in, size_t n, struct ascii_state *st)
{
	while (n > 0) {
		size_t used;
		size_t len = ascii_from_network(st, in, n, &used, ascii_buf, sizeof(ascii_buf));

		if (!write_file(x, fd, ascii_buf, len))
			return false;
		in += used;
		n -= used;
	}
	return true;
}

/* A plain data connection ends with a FIN whether the upload is complete
 * or the client died. A client that died also closed its control
 * connection, but the kernel may close the data socket first: wait a
 * moment for the control connection's end before taking the FIN for
 * completion. A live client sends nothing until it has our 226, so a
 * command arriving meanwhile also proves it alive. */
static bool control_hung_up(struct session *s)
{
	struct pollfd pfd = { .fd = control_fd(&s->ctrl), .events = POLLIN | POLLRDHUP };
	int64_t deadline = now_ms() + UPLOAD_HANGUP_GRACE_MS;
	int r;

	do
		r = poll(&pfd, 1, ms_until(deadline));
	while (r < 0 && errno == EINTR);
	return r > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Receives what the channel has now, up to size: one recv() on a plain
 * socket; under TLS, every record already read (one record per call
 * otherwise, and as many write() calls). Returns the bytes (>0) or, when
 * nothing came, channel_recv()'s result. An end or error met after some
 * bytes is kept in *later for the next call, so nothing is lost. */
static ssize_t recv_batch(struct channel *ch, char *buf, size_t size, ssize_t *later)
{
	size_t got = 0;

	if (*later <= 0) {
		ssize_t r = *later;

		*later = 1;
		return r;
	}
	while (got < size) {
		ssize_t n = channel_recv(ch, buf + got, size - got);

		if (n <= 0) {
			if (got == 0)
				return n;
			if (n != -EAGAIN)
				*later = n;
			break;
		}
		got += (size_t)n;
		if (size - got < TLS_RECORD_PLAINTEXT_MAX || !channel_pending(ch))
			break;
	}
	return (ssize_t)got;
}

void xfer_recv_file(struct xfer *x, int fd, bool ascii)
{
	struct ascii_state st = { 0 };
	ssize_t later = 1;   /* no deferred result */

	for (;;) {
		ssize_t n;

		/* Under a limit, not reading is what slows the client: its
		 * window closes. */
		if (!rate_wait(x))
			return;
		n = recv_batch(x->data, xfer_buf, ratelimit_chunk(&x->limit, XFER_BUF_BYTES), &later);
		if (n > 0) {
			bool written;

			x->bytes += (uint64_t)n;
			ratelimit_spent(&x->limit, (size_t)n, now_us());
			written = ascii ? write_ascii(x, fd, xfer_buf, (size_t)n, &st)
					: write_file(x, fd, xfer_buf, (size_t)n);
			if (!written || !glance_control(x))
				return;
		} else if (n == 0) {
			char cr;

			if (ascii && ascii_from_network_end(&st, &cr, 1) == 1 &&
			    !write_file(x, fd, &cr, 1))
				return;
			if (!channel_is_tls(x->data) && control_hung_up(x->s))
				x->status = XFER_CONTROL_LOST;
			return;
		} else if (n == -EAGAIN) {
			if (!wait_data(x, false))
				return;
		} else if (n == -ECONNABORTED) {
			x->status = XFER_TRUNCATED;
			return;
		} else {
			x->status = XFER_PEER_ERROR;
			x->err = (int)-n;
			return;
		}
	}
}

void xfer_finish(struct xfer *x, const char *what)
{
	struct session *s = x->s;

	if (x->status == XFER_DONE)
		channel_close(x->data, now_ms() + TLS_BYE_WAIT_MS);
	else
		channel_abort(x->data);
	/* Refilled at the next transfer for a few page faults: cheaper than
	 * half a megabyte held by every idle session. */
	pages_release(xfer_buf, sizeof(xfer_buf));
	pages_release(ascii_buf, sizeof(ascii_buf));

	switch (x->status) {
	case XFER_DONE:
		reply(s, 226, "Transfer complete (%llu bytes)", (unsigned long long)x->bytes);
		break;
	case XFER_ABORTED:
		/* RFC 959 §4.1.3: 426 for the transfer, then 226 for ABOR. */
		/* xfer_abort() replied, ABOR's handler too (cmd_info.c). */
		s->ctrl.last_code = 426;   /* what the transfer command itself got */
		break;
	case XFER_TIMEOUT:
		reply(s, 426, "Data connection stalled for %u seconds; transfer aborted",
		      s->cfg->data_timeout);
		break;
	case XFER_PEER_ERROR:
		reply(s, 426, "Data connection broken: %s; transfer aborted", strerror(x->err));
		break;
	case XFER_TRUNCATED:
		if (x->data->peer_canceled)
			reply(s, 426, "TLS data connection canceled (user_canceled without close_notify): "
			      "upload incomplete");
		else
			reply(s, 426, "TLS data connection closed without close_notify: upload incomplete");
		break;
	case XFER_LOCAL_ERROR:
		reply_errno(s, x->err, what);
		break;
	case XFER_CONTROL_LOST:
		s->ctrl.last_code = 426;   /* for the log: nobody hears a reply */
		session_end(s, EXIT_SESSION_OK);
		break;
	case XFER_STOPPED:
		reply(s, 421, "Service shutting down: transfer aborted, closing control connection");
		log_msg(LOG_NOTICE, "%s received during a transfer: aborted, session ends",
			strsignal(stop_requested()));
		session_end(s, EXIT_SESSION_OK);
		break;
	}
}
