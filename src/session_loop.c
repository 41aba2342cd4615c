/* SPDX-License-Identifier: ISC */
/* The command loop: waits for a line on the control connection, parses
 * it, hands it to dispatch() and logs it, until the session ends. It sits
 * above dispatch and reply; session.c below them only keeps state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "session_loop.h"
#include "command.h"
#include "dispatch.h"
#include "exit_status.h"
#include "log.h"
#include "privsep.h"
#include "reply.h"
#include "stop.h"
#include "util.h"
#include "banned.h"

/* SIGTERM or SIGHUP arrived (systemd stopping the unit, inetd): say so
 * to the client and the log; the session ends. */
static bool stopping(struct session *s)
{
	if (!stop_requested())
		return false;
	reply(s, 421, "Service shutting down: closing control connection");
	log_msg(LOG_NOTICE, "%s received: session ends", strsignal(stop_requested()));
	return true;
}

/* A client that is not logged in has little to say: a flood of commands
 * (too long lines included) would only bury the failed logins in the log. */
static bool too_chatty(struct session *s)
{
	if (s->login == LOGIN_DONE || ++s->prelogin_commands <= LOGIN_MAX_COMMANDS)
		return false;
	reply(s, 421, "Too many commands before login: closing control connection");
	log_msg(LOG_WARNING, "%u commands from %s without login: closing", LOGIN_MAX_COMMANDS,
		s->peer_str);
	return true;
}

/* Waits for the next complete command line. 1 when one is ready in s->lb,
 * 0 when the session should end (its reason already replied or logged). */
static int next_line(struct session *s)
{
	int64_t deadline = session_command_deadline(s);

	for (;;) {
		enum linebuf_result lr;
		ssize_t n;
		int r;

		if (stopping(s))
			return 0;
		lr = session_feed(s);
		if (lr == LINE_READY) {
			/* Pipelined lines do not stretch the login deadline. */
			if (s->login != LOGIN_DONE && now_ms() >= s->login_deadline) {
				reply(s, 421, "Timeout (%u seconds): closing control connection",
				      s->cfg->login_timeout);
				log_msg(LOG_NOTICE, "login timeout");
				return 0;
			}
			if (too_chatty(s))
				return 0;
			return 1;
		}
		if (lr == LINE_TOO_LONG) {
			if (too_chatty(s))
				return 0;
			reply(s, 500, "Command line too long (limit %d bytes)", LINE_MAX_BYTES);
			if (s->quit)
				return 0;
			continue;
		}
		n = session_fill_input(s);
		if (n > 0)
			continue;
		if (n == 0 || n != -EAGAIN) {
			if (n == -ECONNABORTED)
				log_msg(LOG_NOTICE, "control connection closed without TLS close_notify");
			return 0;
		}
		r = channel_wait(&s->ctrl, false, deadline);
		if (r == -EINTR)
			continue;   /* stopping() says why */
		if (r == -ETIMEDOUT) {
			reply(s, 421, "Timeout (%u seconds): closing control connection",
			      s->login == LOGIN_DONE ? s->cfg->idle_timeout : s->cfg->login_timeout);
			log_msg(LOG_NOTICE, "%s timeout", s->login == LOGIN_DONE ? "idle" : "login");
			return 0;
		}
	}
}

/* The command line as it may be logged: PASS's argument masked. */
static void loggable_line(const struct command *c, const char *line, char *out, size_t size)
{
	if (c->verb == VERB_PASS)
		snprintf(out, size, "PASS ****");
	else
		snprintf(out, size, "%s", line);
}

static void handle_line(struct session *s)
{
	struct command c;
	char line[LINE_MAX_BYTES + 1], logline[LINE_MAX_BYTES + 1];
	size_t len = s->lb.len;
	enum command_error e;

	/* The line leaves the assembler first: a transfer reads the control
	 * connection for ABOR while its handler runs. */
	memcpy(line, s->lb.line, len + 1);
	linebuf_take(&s->lb);
	if (s->first_line) {
		enum foreign_protocol p = command_foreign_protocol(line, len);

		s->first_line = false;
		if (p != FOREIGN_NONE) {
			/* No reply: whatever we said would be read as the other
			 * protocol's answer. */
			log_msg(LOG_WARNING, "%s request from %s on the FTP port: closing",
				p == FOREIGN_HTTP ? "HTTP" : "SMTP", s->peer_str);
			s->quit = true;
			s->exit_status = EXIT_SESSION_ERROR;
			return;
		}
	}
	e = command_parse(line, len, &c);
	s->last_code = 0;
#ifdef FTPSD_PRIVSEP_ATTACK_TESTS
	if (e == COMMAND_OK && c.verb == VERB_UNKNOWN && privsep_attack(s, line))
		return;
#endif
	switch (e) {
	case COMMAND_OK:
		dispatch(s, &c);
		break;
	case COMMAND_BAD_VERB:
		reply(s, 500, "Syntax error, command unrecognized");
		break;
	case COMMAND_NUL:
		reply(s, 501, "NUL byte in command");
		break;
	case COMMAND_CONTROL:
		reply(s, 501, "Control character in argument");
		break;
	case COMMAND_NOT_UTF8:
		reply(s, 501, "Argument is not valid UTF-8");
		break;
	}
	if (e == COMMAND_OK)
		loggable_line(&c, line, logline, sizeof(logline));
	else
		snprintf(logline, sizeof(logline), "(malformed command)");
	log_command(logline, s->last_code);
}

int session_run(struct session *s)
{
	int64_t bye;

	stop_install();
	while (!s->quit && next_line(s))
		handle_line(s);
	bye = now_ms() + TLS_BYE_WAIT_MS;
	reply_flush(s);
	session_clear_data(s);
	/* Before login, even the goodbye keeps to the login deadline. */
	if (s->login != LOGIN_DONE && s->login_deadline < bye)
		bye = s->login_deadline;
	channel_close(&s->ctrl, bye);
	return s->exit_status;
}
