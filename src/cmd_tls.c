/* SPDX-License-Identifier: ISC */
/* AUTH, PBSZ, PROT, CCC: RFC 4217 (FTP over TLS) with RFC 2228's codes. */
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "dispatch.h"
#include "exit_status.h"
#include "log.h"
#include "reply.h"
#include "util.h"
#include "banned.h"

void session_start_tls(struct session *s)
{
	char err[256];
	gnutls_session_t tls;
	int r;

	/* Whatever the client sent after AUTH and before the handshake was
	 * sent in the clear and could be injected: it is dropped, never run
	 * (the STARTTLS injection class, CVE-2011-0411). */
	control_drop_input(&s->ctrl);
	r = tls_accept(s->tls, TLS_CONTROL, s->ctrl.ch.rfd, s->ctrl.ch.wfd,
		       s->login_deadline, &tls, err, sizeof(err));
	if (r < 0) {
		log_msg(LOG_WARNING, "%s (peer %s)", err, s->peer_str);
		session_end(s, EXIT_SESSION_ERROR);
		return;
	}
	control_set_tls(&s->ctrl, tls);
	tls_describe(tls, &s->tls_info);
	/* RFC 7151 with TLS: the host named before AUTH and the server name
	 * in the handshake must be the same host. */
	if (s->host[0] && s->tls_info.sni[0] && strcasecmp(s->host, s->tls_info.sni) != 0) {
		log_msg(LOG_WARNING, "HOST %s does not match TLS server name %s (peer %s)", s->host,
			s->tls_info.sni, s->peer_str);
		reply(s, 421, "HOST and TLS server name disagree");
		session_end(s, EXIT_SESSION_ERROR);
		return;
	}
	{
		char before[128];

		snprintf(before, sizeof(before), "TLS established with %s: ", s->peer_str);
		log_tls_summary(LOG_INFO, before, &s->tls_info, "");
	}
}

void cmd_auth(struct session *s, const struct command *c)
{
	if (s->tls_info.active) {
		reply(s, 503, "Already using TLS");
		return;
	}
	if (s->login == LOGIN_DONE) {
		/* RFC 4217 §4: securing a session after its password went in
		 * the clear protects nothing; we refuse rather than pretend. */
		reply(s, 534, "AUTH after login is refused; reconnect and use AUTH first");
		return;
	}
	if (strcasecmp(c->arg, "TLS") != 0 && strcasecmp(c->arg, "SSL") != 0 &&
	    strcasecmp(c->arg, "TLS-C") != 0) {
		reply(s, 504, "AUTH %s not supported; use AUTH TLS", c->arg);
		return;
	}
	if (!s->tls) {
		reply(s, 431, "TLS is not configured on this server");
		return;
	}
	reply(s, 234, "AUTH %s successful", c->arg);
	if (session_ending(s))
		return;
	/* RFC 4217 §4: the session starts over, logged out. */
	session_logout(s);
	s->pbsz = false;
	s->prot_private = false;
	session_start_tls(s);
}

void cmd_pbsz(struct session *s, const struct command *c)
{
	if (!s->tls_info.active) {
		reply(s, 503, "PBSZ needs AUTH TLS first");
		return;
	}
	if (c->arg_len > 10 || strspn(c->arg, "0123456789") != c->arg_len) {
		reply(s, 501, "PBSZ needs a number");
		return;
	}
	/* RFC 4217 §9: TLS has no protection buffer; the size is always 0. */
	s->pbsz = true;
	reply(s, 200, "PBSZ=0");
}

void cmd_prot(struct session *s, const struct command *c)
{
	if (!s->tls_info.active || !s->pbsz) {
		reply(s, 503, "PROT needs AUTH TLS and PBSZ first");
		return;
	}
	if (strcasecmp(c->arg, "C") == 0) {
		s->prot_private = false;
		reply(s, 200, "Protection level set to Clear");
	} else if (strcasecmp(c->arg, "P") == 0) {
		s->prot_private = true;
		reply(s, 200, "Protection level set to Private");
	} else if (strcasecmp(c->arg, "S") == 0 || strcasecmp(c->arg, "E") == 0) {
		reply(s, 536, "Protection level %s not supported with TLS", c->arg);
	} else {
		reply(s, 504, "Unknown protection level %s", c->arg);
	}
}

void cmd_ccc(struct session *s, const struct command *c)
{
	(void)c;
	/* A clear control channel after TLS would expose every later
	 * command to tampering: a downgrade we do not offer. */
	reply(s, 534, "CCC is refused by policy");
}
