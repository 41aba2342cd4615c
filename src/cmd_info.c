/* SPDX-License-Identifier: ISC */
/* SYST, NOOP, HELP, FEAT, OPTS, HOST, ABOR: about the server itself. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "listing.h"
#include "reply.h"
#include "util.h"
#include "xfer.h"
#include "banned.h"

void cmd_syst(struct session *s, const struct command *c)
{
	(void)c;
	reply(s, 215, "UNIX Type: L8");
}

void cmd_noop(struct session *s, const struct command *c)
{
	(void)c;
	reply(s, 200, "NOOP ok");
}

void cmd_help(struct session *s, const struct command *c)
{
	(void)c;
	reply_begin(s, 214, "The following commands are recognized:");
	dispatch_help_verbs(s);
	reply(s, 214, "Help ok");
}

/* RFC 2389: every extension listed here is implemented. */
void cmd_feat(struct session *s, const struct command *c)
{
	char mlst[128];

	(void)c;
	if (listing_feat_facts(mlst, sizeof(mlst), s->mlst_facts) < 0)
		mlst[0] = '\0';   /* cannot happen: every fact fits */
	reply_begin(s, 211, "Features:");
	if (s->tls) {
		reply_more(s, "AUTH TLS");
		reply_more(s, "PBSZ");
		reply_more(s, "PROT");
	}
	reply_more(s, "EPRT");
	reply_more(s, "EPSV");
	reply_more(s, "HOST");
	reply_more(s, "MDTM");
	reply_more(s, "MFMT");
	reply_more(s, "MLST %s", mlst);
	reply_more(s, "PASV");
	reply_more(s, "REST STREAM");
	reply_more(s, "SIZE");
	reply_more(s, "TVFS");
	reply_more(s, "UTF8");
	reply(s, 211, "End");
}

/* OPTS MLST fact;fact;... (RFC 3659 §7.9): unknown facts are ignored. */
static void opts_mlst(struct session *s, const char *list)
{
	char echo[128];
	unsigned facts;

	if (listing_parse_facts(list, strlen(list), &facts, echo, sizeof(echo)) < 0) {
		reply(s, 501, "Option not understood");   /* cannot happen: every fact fits */
		return;
	}
	s->mlst_facts = facts;
	reply(s, 200, "MLST OPTS %s", echo);
}

void cmd_opts(struct session *s, const struct command *c)
{
	if (strcasecmp(c->arg, "UTF8 ON") == 0 || strcasecmp(c->arg, "UTF8") == 0) {
		reply(s, 200, "UTF8 is always on");
	} else if (strcasecmp(c->arg, "MLST") == 0) {
		opts_mlst(s, "");
	} else if (strncasecmp(c->arg, "MLST ", 5) == 0) {
		opts_mlst(s, c->arg + 5);
	} else {
		reply(s, 501, "Option not understood");
	}
}

/* RFC 7151. One process serves one host; the name is checked only
 * against the TLS server name the client asked for, if any. */
void cmd_host(struct session *s, const struct command *c)
{
	if (s->login != LOGIN_NONE) {
		reply(s, 503, "HOST must come before USER");
		return;
	}
	if (s->tls_info.sni[0] && strcasecmp(s->tls_info.sni, c->arg) != 0) {
		reply(s, 504, "HOST %s does not match the TLS server name", c->arg);
		return;
	}
	if (copy_string(s->host, sizeof(s->host), c->arg) < 0) {
		reply(s, 501, "Host name too long");
		return;
	}
	reply(s, 220, "Host accepted");
}

void cmd_abor(struct session *s, const struct command *c)
{
	(void)c;
	if (s->transfer) {
		xfer_abort(s->transfer);
		reply(s, 226, "ABOR successful");
		return;
	}
	session_clear_data(s);
	reply(s, 225, "No transfer to abort");
}
