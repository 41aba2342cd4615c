/* SPDX-License-Identifier: ISC */
/* The transfer loop: moves bytes between a file (or a listing generator)
 * and the data channel with poll() on both the data and the control
 * connection, so that ABOR and STAT are answered mid-transfer and a
 * stalled peer meets FTPSD_DATA_TIMEOUT. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "channel.h"
#include "ratelimit.h"
#include "session.h"

enum xfer_status {
	XFER_DONE,
	XFER_ABORTED,        /* ABOR received */
	XFER_TIMEOUT,        /* no progress for FTPSD_DATA_TIMEOUT */
	XFER_PEER_ERROR,     /* the data connection broke */
	XFER_LOCAL_ERROR,    /* reading or writing the file failed: err */
	XFER_TRUNCATED,      /* TLS upload ended without close_notify */
	XFER_CONTROL_LOST,   /* the control connection ended */
	XFER_STOPPED,        /* SIGTERM or SIGHUP: the session ends */
};

struct xfer {
	struct session *s;
	struct channel *data;
	enum xfer_status status;
	int err;
	uint64_t bytes;
	int64_t started_us;
	bool control_paused;  /* a pipelined command waits for the end */
	bool kernel_tls;      /* the kernel encrypted what went out (kTLS) */
	struct ratelimit limit;  /* bandwidth (file transfers); rate 0 after xfer_init */
	int64_t max_write;    /* an upload may write this much (a quota); INT64_MAX after xfer_init */
	uint64_t written;     /* bytes an upload wrote into the file */
};

/* Produces the next bytes of a generated stream (a listing): >0 bytes put
 * in buf, 0 at the end, -errno. */
typedef ssize_t xfer_fill_fn(void *ctx, char *buf, size_t size);

/* Checks before "150": a data connection was prepared and PROT suits the
 * policy. Replies and returns false when not. */
bool xfer_ready(struct session *s);

void xfer_init(struct xfer *x, struct session *s, struct channel *data);
/* Limits the file transfer to rate bytes per second (0: none). */
void xfer_set_rate(struct xfer *x, uint64_t rate);
void xfer_send_file(struct xfer *x, int fd, off_t offset, bool ascii);
void xfer_send_generated(struct xfer *x, xfer_fill_fn *fill, void *ctx);
void xfer_recv_file(struct xfer *x, int fd, bool ascii);

/* For STAT and ABOR during the transfer (they run through dispatch while
 * the transfer loop waits): the 213 progress reply; closing the data
 * connection with 426 for the transfer (ABOR's handler replies 226). */
void xfer_reply_status(struct xfer *x);
void xfer_abort(struct xfer *x);

/* Closes the data connection (gracefully after success) and sends the
 * final reply: 226, or 426/451/452, or 426 then 226 after ABOR. */
void xfer_finish(struct xfer *x, const char *what);
