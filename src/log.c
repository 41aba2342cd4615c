/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "tls.h"
#include "bounds.h"
#include "util.h"
#include "banned.h"

static struct {
	bool journal;
	bool stderr_ok;
	char peer[64];
	char user[USER_NAME_MAX];
	int pending_error;   /* log_set_error, for the next command record */
	long session_pid;    /* the session's process, as its supervisor knows it; 0: ours */
} log_state = { .peer = "-", .user = "-" };

/* true when fd 2 leads somewhere other than the client's connection. */
static bool stderr_is_not_client(int control_fd)
{
	struct stat e, c;

	if (fstat(2, &e) < 0)
		return false;
	if (fstat(control_fd, &c) < 0)
		return true;
	return e.st_dev != c.st_dev || e.st_ino != c.st_ino;
}

void log_init(enum log_target target, int control_fd)
{
	log_state.stderr_ok = stderr_is_not_client(control_fd);
	/* stderr when asked for and safe; the journal otherwise, when its
	 * socket is there; with neither, records are dropped rather than
	 * sent to the client. */
	if (target == LOG_STDERR && log_state.stderr_ok)
		return;
	if (journal_open(JOURNAL_SOCKET) == 0)
		log_state.journal = true;
	else if (target == LOG_JOURNAL && log_state.stderr_ok)
		fprintf(stderr, "ftpsd: FTPSD_LOG=journal but %s is not reachable; logging to stderr\n",
			JOURNAL_SOCKET);
}

void log_set_peer(const char *remote_addr)
{
	snprintf(log_state.peer, sizeof(log_state.peer), "%s", remote_addr);
}

void log_set_session_pid(long pid)
{
	log_state.session_pid = pid;
}

void log_set_user(const char *user)
{
	snprintf(log_state.user, sizeof(log_state.user), "%s", user && *user ? user : "-");
}

/* One journal record: the common fields, then the caller's. */
static void send_record(const char *message, int priority, const struct journal_field *extra,
			size_t n_extra)
{
	struct journal_field f[16];
	char prio[4], pid[24];
	size_t n = 0;

	snprintf(prio, sizeof(prio), "%d", priority);
	if (log_state.session_pid) {
		snprintf(pid, sizeof(pid), "%ld", log_state.session_pid);
		f[n++] = (struct journal_field){ "SYSLOG_PID", pid };
	}
	f[n++] = (struct journal_field){ "MESSAGE", message };
	f[n++] = (struct journal_field){ "PRIORITY", prio };
	f[n++] = (struct journal_field){ "SYSLOG_IDENTIFIER", "ftpsd" };
	f[n++] = (struct journal_field){ "FTP_USER", log_state.user };
	f[n++] = (struct journal_field){ "FTP_REMOTE_ADDR", log_state.peer };
	for (size_t i = 0; i < n_extra && n < sizeof(f) / sizeof(f[0]); i++)
		f[n++] = extra[i];
	(void)journal_send(f, n);
}

static void to_stderr(const char *message)
{
	if (!log_state.stderr_ok)
		return;
	fprintf(stderr, "ftpsd[%ld]: %s\n", log_state.session_pid ? log_state.session_pid : (long)getpid(),
		message);
}

void log_msg(int priority, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (!log_state.journal) {
		to_stderr(message);
		return;
	}
	send_record(message, priority, NULL, 0);
}

void log_tls(int priority, const char *message, const char *version, const char *cipher,
	     const char *client_subject)
{
	struct journal_field extra[] = {
		{ "FTP_TLS_VERSION", version },
		{ "FTP_TLS_CIPHER", cipher },
		{ "FTP_TLS_CLIENT_SUBJECT", client_subject },
	};

	if (!log_state.journal) {
		to_stderr(message);
		return;
	}
	send_record(message, priority, extra, client_subject && *client_subject ? 3 : 2);
}

void log_tls_summary(int priority, const char *before, const struct tls_info *t,
		     const char *after)
{
	char message[1024];
	const char *subject = t->cert_verified ? t->subject : "";

	snprintf(message, sizeof(message), "%s%s, %s%s%s%s", before, t->version, t->cipher,
		 *subject ? ", client certificate " : "", subject, after);
	log_tls(priority, message, t->version, t->cipher, subject);
}

void log_set_error(int err)
{
	log_state.pending_error = err < 0 ? -err : err;
}

void log_command(const char *line, int reply_code)
{
	char message[LINE_MAX_BYTES + 400];
	char error[96] = "";
	int err = log_state.pending_error;
	int n;

	log_state.pending_error = 0;
	if (err) {
		const char *name = strerrorname_np(err);

		snprintf(error, sizeof(error), "%s: %s", name ? name : "?", strerror(err));
	}
	n = snprintf(message, sizeof(message), "%s [%s] %s %d", log_state.user, log_state.peer,
		     line, reply_code);
	if (err && n >= 0 && (size_t)n < sizeof(message))
		snprintf(message + n, sizeof(message) - (size_t)n, " (%s)", error);
	if (!log_state.journal) {
		to_stderr(message);
		return;
	}
	{
		char code[16];
		struct journal_field extra[] = {
			{ "FTP_COMMAND", line },
			{ "FTP_REPLY", code },
			{ "FTP_ERROR", error },
		};

		snprintf(code, sizeof(code), "%d", reply_code);
		send_record(message, LOG_INFO, extra, err ? 3 : 2);
	}
}

int log_format_xferlog(char *buf, size_t size, const struct transfer_record *t,
		       const char *remote, const char *user, long long now)
{
	char when[32], file[VPATH_MAX];
	time_t tt = (time_t)now;
	struct tm tm;
	size_t k = 0;
	int n;

	utc_time(tt, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
	/* xferlog fields are separated by spaces: a space in a name would
	 * shift every field after it, so it is written as '_'. */
	for (const char *p = t->path; *p && k + 1 < sizeof(file); p++)
		file[k++] = *p == ' ' ? '_' : *p;
	file[k] = '\0';
	n = snprintf(buf, size, "%s %lld %s %llu %s %c _ %c %c %s ftp 0 * %c", when,
		     (long long)((t->duration_us + 500000) / 1000000), remote,
		     (unsigned long long)t->bytes, file, t->ascii ? 'a' : 'b', t->direction,
		     t->anonymous ? 'a' : 'r', user, t->complete ? 'c' : 'i');
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

void log_transfer(const struct transfer_record *t)
{
	char message[VPATH_MAX + 512];

	if (log_format_xferlog(message, sizeof(message), t, log_state.peer, log_state.user,
			       (long long)time(NULL)) < 0)
		return;
	if (!log_state.journal) {
		to_stderr(message);
		return;
	}
	{
		char bytes[24], usec[24];
		struct journal_field extra[] = {
			{ "FTP_FILE", t->path },
			{ "FTP_BYTES", bytes },
			{ "FTP_DIRECTION", t->direction == 'o' ? "download" : "upload" },
			{ "FTP_DURATION_USEC", usec },
			{ "FTP_TLS", t->tls ? "1" : "0" },
			{ "FTP_COMPLETE", t->complete ? "1" : "0" },
			{ "FTP_TLS_KERNEL", "1" },
		};

		snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)t->bytes);
		snprintf(usec, sizeof(usec), "%lld", (long long)t->duration_us);
		send_record(message, LOG_INFO, extra, t->kernel_tls ? 7 : 6);
	}
}
