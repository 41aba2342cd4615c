/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "reply.h"
#include "stop.h"
#include "util.h"
#include "banned.h"

/* Before login, the login deadline bounds a reply's wait too: a client
 * that never reads must not keep the session beyond it. A session that is
 * being stopped gives its last words as long as a TLS goodbye. */
static int64_t send_deadline(const struct session *s)
{
	int64_t deadline = session_command_deadline(s);

	if (stop_requested() && deadline > now_ms() + TLS_BYE_WAIT_MS)
		deadline = now_ms() + TLS_BYE_WAIT_MS;
	return deadline;
}

/* Puts one formatted line plus CRLF on the control connection; a line
 * that would not fit is cut, never overflowed. Control characters cannot
 * reach a reply: arguments were checked when the command was parsed. */
__attribute__((format(printf, 3, 0)))
static void add_line(struct session *s, const char *prefix, const char *fmt, va_list ap)
{
	char line[REPLY_LINE_MAX];
	int n = snprintf(line, sizeof(line), "%s", prefix);
	int m;

	if (n < 0)
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n = (size_t)n + (size_t)m >= sizeof(line) - 2 ? (int)sizeof(line) - 3 : n + m;
	line[n++] = '\r';
	line[n++] = '\n';
	_Static_assert(sizeof(s->ctrl.out) >= sizeof(line), "a reply line must fit the output buffer");
	control_put(&s->ctrl, line, (size_t)n, send_deadline(s));
}

void reply_flush(struct session *s)
{
	control_flush(&s->ctrl, send_deadline(s));
}

void reply(struct session *s, int code, const char *fmt, ...)
{
	char prefix[8];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%03d ", code);
	va_start(ap, fmt);
	add_line(s, prefix, fmt, ap);
	va_end(ap);
	s->ctrl.last_code = code;
	reply_flush(s);
}

void reply_begin(struct session *s, int code, const char *fmt, ...)
{
	char prefix[8];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%03d-", code);
	va_start(ap, fmt);
	add_line(s, prefix, fmt, ap);
	va_end(ap);
}

void reply_more(struct session *s, const char *fmt, ...)
{
	va_list ap;

	/* The leading space keeps a line that starts with digits from
	 * looking like the end of the reply (RFC 959 §4.2). */
	va_start(ap, fmt);
	add_line(s, " ", fmt, ap);
	va_end(ap);
}

/* Errors the system causes, not the client's request (a name that does
 * not exist, a directory that is not empty): the command record names
 * them (log_set_error), for the admin who reads the journal. */
void reply_data_errno(struct session *s, int err)
{
	if (err < 0)
		err = -err;
	if (err == ENOTCONN)
		reply(s, 425, "Use PORT, EPRT, PASV or EPSV first");
	else if (err == EBADMSG)
		reply(s, 522, "Data connection TLS negotiation failed");
	else if (err == EKEYREJECTED)
		reply(s, 522, "TLS session of the data connection must resume the control connection's");
	else
		reply(s, 425, "Cannot open data connection: %s", strerror(err));
}

void reply_errno(struct session *s, int err, const char *what)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		reply(s, 550, "%s: No such file or directory", what);
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		log_set_error(err);
		reply(s, 550, "%s: Permission denied", what);
		break;
	case EEXIST:
		reply(s, 550, "%s: File exists", what);
		break;
	case EISDIR:
		reply(s, 550, "%s: Is a directory", what);
		break;
	case ENOTEMPTY:
		reply(s, 550, "%s: Directory not empty", what);
		break;
	case EXDEV:
	case ELOOP:
		reply(s, 550, "%s: Not allowed", what);
		break;
	case ENAMETOOLONG:
		reply(s, 553, "%s: File name too long", what);
		break;
	case ENOSPC:
	case EDQUOT:
		log_set_error(err);
		reply(s, 452, "%s: Insufficient storage space", what);
		break;
	case EFBIG:
		reply(s, 552, "%s: Exceeded storage allocation", what);
		break;
	default:
		log_set_error(err);
		reply(s, 451, "%s: %s", what, strerror(err));
		break;
	}
}
