#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "bounds.h"
#include "util.h"
#include "banned.h"

static struct {
	bool journal;
	char peer[64];
	char user[USER_NAME_MAX];
} log_state = { .peer = "-", .user = "-" };

static bool journal_available(void)
{
	struct stat st;

	return getenv("JOURNAL_STREAM") ||
	       stat("/run/systemd/journal/socket", &st) == 0;
}

void log_init(enum log_target target)
{
	log_state.journal = target == LOG_JOURNAL || (target == LOG_AUTO && journal_available());
}

void log_set_peer(const char *remote_addr)
{
	snprintf(log_state.peer, sizeof(log_state.peer), "%s", remote_addr);
}

void log_set_user(const char *user)
{
	snprintf(log_state.user, sizeof(log_state.user), "%s", user && *user ? user : "-");
}

static void to_stderr(const char *message)
{
	fprintf(stderr, "ftpsd[%ld]: %s\n", (long)getpid(), message);
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
	sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", priority,
			"SYSLOG_IDENTIFIER=ftpsd", "FTP_REMOTE_ADDR=%s", log_state.peer,
			"FTP_USER=%s", log_state.user, NULL);
}

void log_command(const char *line, int reply_code)
{
	char message[LINE_MAX_BYTES + 400];

	snprintf(message, sizeof(message), "%s [%s] %s %d", log_state.user, log_state.peer, line,
		 reply_code);
	if (!log_state.journal) {
		to_stderr(message);
		return;
	}
	sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", LOG_INFO,
			"SYSLOG_IDENTIFIER=ftpsd", "FTP_USER=%s", log_state.user,
			"FTP_REMOTE_ADDR=%s", log_state.peer, "FTP_COMMAND=%s", line,
			"FTP_REPLY=%d", reply_code, NULL);
}

int log_format_xferlog(char *buf, size_t size, const struct transfer_record *t,
		       const char *remote, const char *user, long long now)
{
	char when[32], file[VPATH_MAX];
	time_t tt = (time_t)now;
	struct tm tm;
	size_t k = 0;
	int n;

	gmtime_r(&tt, &tm);
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
	sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", LOG_INFO,
			"SYSLOG_IDENTIFIER=ftpsd", "FTP_USER=%s", log_state.user,
			"FTP_REMOTE_ADDR=%s", log_state.peer, "FTP_FILE=%s", t->path,
			"FTP_BYTES=%llu", (unsigned long long)t->bytes,
			"FTP_DIRECTION=%s", t->direction == 'o' ? "download" : "upload",
			"FTP_DURATION_USEC=%lld", (long long)t->duration_us,
			"FTP_TLS=%d", t->tls ? 1 : 0,
			"FTP_COMPLETE=%d", t->complete ? 1 : 0, NULL);
}
