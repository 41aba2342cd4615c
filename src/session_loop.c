/* SPDX-License-Identifier: ISC */
/* The command loop: waits for a line on the control connection, parses
 * it, hands it to dispatch() and logs it, until the session ends; and,
 * for the transfer loop, the same for the commands a transfer answers.
 * It sits above dispatch and reply; control.c and session.c below them
 * only keep the connection and the state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "session_loop.h"
#include "command.h"
#include "control.h"
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

/* A line over the limit was discarded: the client hears it, whether
 * between commands or during a transfer. false when the session ends. */
static bool line_too_long(struct session *s)
{
	if (too_chatty(s))
		return false;
	reply(s, 500, "Command line too long (limit %d bytes)", LINE_MAX_BYTES);
	return !session_ending(s);
}

static void timeout(struct session *s)
{
	reply(s, 421, "Timeout (%u seconds): closing control connection",
	      s->login == LOGIN_DONE ? s->cfg->idle_timeout : s->cfg->login_timeout);
	log_msg(LOG_NOTICE, "%s timeout", s->login == LOGIN_DONE ? "idle" : "login");
}

/* Waits for the next complete command line. true when one is ready on
 * the control connection, false when the session should end (its reason
 * already replied or logged). */
static bool next_line(struct session *s)
{
	int64_t deadline = session_command_deadline(s);

	for (;;) {
		if (stopping(s))
			return false;
		switch (control_next_line(&s->ctrl, deadline)) {
		case CONTROL_LINE:
			/* Pipelined lines do not stretch the login deadline. */
			if (s->login != LOGIN_DONE && now_ms() >= s->login_deadline) {
				timeout(s);
				return false;
			}
			return !too_chatty(s);
		case CONTROL_TOO_LONG:
			if (!line_too_long(s))
				return false;
			break;
		case CONTROL_INTERRUPTED:
		case CONTROL_AGAIN:
			break;   /* stopping() says why */
		case CONTROL_TIMEOUT:
			timeout(s);
			return false;
		case CONTROL_NO_CLOSE_NOTIFY:
			log_msg(LOG_NOTICE, "control connection closed without TLS close_notify");
			return false;
		case CONTROL_END:
			return false;
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

/* An HTTP or SMTP request on the FTP port: no reply, as whatever we said
 * would be read as the other protocol's answer. */
static bool foreign_request(struct session *s, const char *line, size_t len)
{
	enum foreign_protocol p = command_foreign_protocol(line, len);

	if (p == FOREIGN_NONE)
		return false;
	log_msg(LOG_WARNING, "%s request from %s on the FTP port: closing",
		p == FOREIGN_HTTP ? "HTTP" : "SMTP", s->peer_str);
	session_end(s, EXIT_SESSION_ERROR);
	return true;
}

static void reply_malformed(struct session *s, enum command_error e)
{
	switch (e) {
	case COMMAND_OK:
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
}

/* Runs the line the control connection has ready, and logs it. */
static void handle_line(struct session *s)
{
	struct command c;
	char line[LINE_MAX_BYTES + 1], logline[LINE_MAX_BYTES + 1];
	size_t len;
	const char *ready = control_line(&s->ctrl, &len);
	enum command_error e;

	/* The line leaves the assembler first: a transfer reads the control
	 * connection for ABOR while its handler runs. */
	memcpy(line, ready, len + 1);
	control_take_line(&s->ctrl);
	if (control_take_first_line(&s->ctrl) && foreign_request(s, line, len))
		return;
	e = command_parse(line, len, &c);
	s->ctrl.last_code = 0;
#ifdef FTPSD_PRIVSEP_ATTACK_TESTS
	if (e == COMMAND_OK && c.verb == VERB_UNKNOWN && privsep_attack(s, line))
		return;
#endif
	if (e == COMMAND_OK)
		dispatch(s, &c);
	else
		reply_malformed(s, e);
	if (e == COMMAND_OK)
		loggable_line(&c, line, logline, sizeof(logline));
	else
		snprintf(logline, sizeof(logline), "(malformed command)");
	log_command(logline, s->ctrl.last_code);
}

/* The transfer loop's look at the control connection (xfer.c): a command
 * allowed during a transfer runs now, through dispatch like any other;
 * another stays in the line assembler until the transfer ends. */
static enum transfer_command serve_in_transfer(struct session *s)
{
	struct command c;
	const char *line;
	size_t len;

	switch (control_poll(&s->ctrl)) {
	case CONTROL_LINE:
		line = control_line(&s->ctrl, &len);
		if (command_parse(line, len, &c) != COMMAND_OK || !dispatch_in_transfer(&c))
			return TRANSFER_COMMAND_WAITS;
		handle_line(s);
		break;
	case CONTROL_TOO_LONG:
		line_too_long(s);
		break;
	case CONTROL_AGAIN:
	case CONTROL_INTERRUPTED:
	case CONTROL_TIMEOUT:
		return TRANSFER_COMMAND_NONE;
	case CONTROL_END:
	case CONTROL_NO_CLOSE_NOTIFY:
		return TRANSFER_COMMAND_LOST;
	}
	return session_ending(s) ? TRANSFER_COMMAND_LOST : TRANSFER_COMMAND_SERVED;
}

int session_run(struct session *s)
{
	int64_t bye;

	stop_install();
	s->serve_in_transfer = serve_in_transfer;
	while (!session_ending(s) && next_line(s))
		handle_line(s);
	bye = now_ms() + TLS_BYE_WAIT_MS;
	reply_flush(s);
	session_clear_data(s);
	/* Before login, even the goodbye keeps to the login deadline. */
	if (s->login != LOGIN_DONE && s->login_deadline < bye)
		bye = s->login_deadline;
	control_close(&s->ctrl, bye);
	return s->exit_status;
}
