/* SPDX-License-Identifier: ISC */
/* The session's records: to the journal with structured fields, or the
 * same MESSAGE lines to stderr. A password never reaches this module. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "config.h"

/* Chooses where records go. control_fd is the client's connection: under
 * xinetd (and systemd without StandardError=) stderr is that very socket,
 * and a log line must never reach the client, so stderr is then skipped. */
void log_init(enum log_target target, int control_fd);

/* Who the records are about; both strings are copied. */
void log_set_peer(const char *remote_addr);
void log_set_user(const char *user);

/* A helper process of a session (privilege separation) logs under the
 * session's process id: the one the supervisor started and reports. */
void log_set_session_pid(long pid);

/* A free-form record at a syslog priority. */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A record about the session's TLS (after a handshake, and at the end),
 * with FTP_TLS_VERSION, FTP_TLS_CIPHER and FTP_TLS_CLIENT_SUBJECT fields. */
void log_tls(int priority, const char *message, const char *version, const char *cipher,
	     const char *client_subject);

/* log_tls() for an established TLS session, the one wording of its
 * summary: MESSAGE is before + "VERSION, CIPHER[, client certificate
 * SUBJECT]" + after (the subject only when it was verified). */
struct tls_info;
void log_tls_summary(int priority, const char *before, const struct tls_info *t,
		     const char *after);

/* One command and its final reply code: MESSAGE is mod_ftp's
 * "%u [%a] %r %>s". line is the command as received, already masked. */
void log_command(const char *line, int reply_code);
/* The OS error behind the reply about to be sent (errno, or -errno): the
 * next command record carries it as FTP_ERROR and in its MESSAGE, so that
 * a 550 from EACCES or EROFS is diagnosable from the journal alone. */
void log_set_error(int err);

struct transfer_record {
	const char *path;        /* virtual path */
	uint64_t bytes;
	char direction;          /* 'o' outgoing (RETR), 'i' incoming */
	bool ascii;
	bool complete;
	bool anonymous;
	bool tls;
	bool kernel_tls;         /* sent with sendfile() over kernel TLS */
	int64_t duration_us;
};

/* One transfer; MESSAGE is an xferlog line (wu-ftpd's xferlog(5)). */
void log_transfer(const struct transfer_record *t);

/* Formats the xferlog line for t at wall-clock time now; exposed for the
 * unit tests. Returns the length, or -ENOSPC. */
int log_format_xferlog(char *buf, size_t size, const struct transfer_record *t,
		       const char *remote, const char *user, long long now);
