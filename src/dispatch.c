/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "policy.h"
#include "reply.h"
#include "banned.h"

enum {
	PRE_LOGIN = 1 << 0,   /* allowed before login */
	NEEDS_ARG = 1 << 1,   /* 501 without an argument */
	WRITES = 1 << 2,      /* changes the filesystem: needs write permission */
	CLEARTEXT_OK = 1 << 3,  /* allowed before TLS under FTPSD_TLS_REQUIRE */
	/* Runs during a transfer, when it comes without an argument; any
	 * other command waits for the transfer's end (RFC 959 §4.1.3 lets
	 * the server defer it). */
	IN_TRANSFER = 1 << 4,
};

struct command_spec {
	handler_fn *handler;
	unsigned flags;
};

static const struct command_spec table[VERB_COUNT] = {
	[VERB_USER] = { cmd_user, PRE_LOGIN | NEEDS_ARG },
	[VERB_PASS] = { cmd_pass, PRE_LOGIN },
	[VERB_ACCT] = { cmd_acct, PRE_LOGIN | NEEDS_ARG },
	[VERB_REIN] = { cmd_rein, PRE_LOGIN },
	[VERB_QUIT] = { cmd_quit, PRE_LOGIN | CLEARTEXT_OK },
	[VERB_CWD] = { cmd_cwd, NEEDS_ARG },
	[VERB_XCWD] = { cmd_cwd, NEEDS_ARG },
	[VERB_CDUP] = { cmd_cdup, 0 },
	[VERB_XCUP] = { cmd_cdup, 0 },
	[VERB_PWD] = { cmd_pwd, 0 },
	[VERB_XPWD] = { cmd_pwd, 0 },
	[VERB_TYPE] = { cmd_type, NEEDS_ARG },
	[VERB_STRU] = { cmd_stru, NEEDS_ARG },
	[VERB_MODE] = { cmd_mode, NEEDS_ARG },
	[VERB_PORT] = { cmd_port, NEEDS_ARG },
	[VERB_EPRT] = { cmd_eprt, NEEDS_ARG },
	[VERB_PASV] = { cmd_pasv, 0 },
	[VERB_EPSV] = { cmd_epsv, 0 },
	[VERB_RETR] = { cmd_retr, NEEDS_ARG },
	[VERB_STOR] = { cmd_stor, NEEDS_ARG | WRITES },
	[VERB_STOU] = { cmd_stou, WRITES },
	[VERB_APPE] = { cmd_appe, NEEDS_ARG | WRITES },
	[VERB_REST] = { cmd_rest, NEEDS_ARG },
	[VERB_SIZE] = { cmd_size, NEEDS_ARG },
	[VERB_MDTM] = { cmd_mdtm, NEEDS_ARG },
	[VERB_MFMT] = { cmd_mfmt, NEEDS_ARG | WRITES },
	[VERB_RNFR] = { cmd_rnfr, NEEDS_ARG | WRITES },
	[VERB_RNTO] = { cmd_rnto, NEEDS_ARG | WRITES },
	[VERB_DELE] = { cmd_dele, NEEDS_ARG | WRITES },
	[VERB_RMD] = { cmd_rmd, NEEDS_ARG | WRITES },
	[VERB_XRMD] = { cmd_rmd, NEEDS_ARG | WRITES },
	[VERB_MKD] = { cmd_mkd, NEEDS_ARG | WRITES },
	[VERB_XMKD] = { cmd_mkd, NEEDS_ARG | WRITES },
	[VERB_LIST] = { cmd_list, 0 },
	[VERB_NLST] = { cmd_nlst, 0 },
	[VERB_MLSD] = { cmd_mlsd, 0 },
	[VERB_MLST] = { cmd_mlst, 0 },
	[VERB_STAT] = { cmd_stat, IN_TRANSFER },
	[VERB_SYST] = { cmd_syst, PRE_LOGIN | CLEARTEXT_OK },
	[VERB_NOOP] = { cmd_noop, PRE_LOGIN | CLEARTEXT_OK },
	[VERB_HELP] = { cmd_help, PRE_LOGIN | CLEARTEXT_OK },
	[VERB_FEAT] = { cmd_feat, PRE_LOGIN | CLEARTEXT_OK },
	[VERB_OPTS] = { cmd_opts, PRE_LOGIN | NEEDS_ARG },
	[VERB_HOST] = { cmd_host, PRE_LOGIN | NEEDS_ARG | CLEARTEXT_OK },
	[VERB_ALLO] = { cmd_allo, 0 },
	[VERB_ABOR] = { cmd_abor, IN_TRANSFER },
	[VERB_AUTH] = { cmd_auth, PRE_LOGIN | NEEDS_ARG | CLEARTEXT_OK },
	[VERB_PBSZ] = { cmd_pbsz, PRE_LOGIN | NEEDS_ARG },
	[VERB_PROT] = { cmd_prot, PRE_LOGIN | NEEDS_ARG },
	[VERB_CCC] = { cmd_ccc, PRE_LOGIN },
};

void dispatch(struct session *s, const struct command *c)
{
	const struct command_spec *spec = &table[c->verb];

	if (!spec->handler) {
		reply(s, 500, "%s: command not understood", c->name);
		return;
	}
	/* RFC 4217 §11: a policy that demands TLS refuses with 534. The
	 * policy for accounts only is checked at USER and PASS (cmd_login.c). */
	if (s->cfg->tls_require == TLS_POLICY_ALL && !s->tls_info.active &&
	    !(spec->flags & CLEARTEXT_OK)) {
		reply(s, 534, "Request denied for policy reasons: use AUTH TLS first");
		return;
	}
	if (!(spec->flags & PRE_LOGIN) && s->login != LOGIN_DONE) {
		reply(s, 530, "Please log in with USER and PASS");
		return;
	}
	if ((spec->flags & NEEDS_ARG) && !c->has_arg) {
		reply(s, 501, "%s needs an argument", c->name);
		return;
	}
	/* Write permission, and the per-user policy (a drop box, say). A
	 * command during a transfer asks about the transfer, not a path. */
	if (s->login == LOGIN_DONE && !s->transfer && !policy_allows(s, c, spec->flags & WRITES)) {
		reply(s, 550, "Permission denied");
		return;
	}
	/* RFC 959: RNTO must come right after RNFR. */
	if (c->verb != VERB_RNTO)
		s->has_rnfr = false;
	policy_before(s, c);
	spec->handler(s, c);
	policy_after(s, c);
}

bool dispatch_in_transfer(const struct command *c)
{
	return (table[c->verb].flags & IN_TRANSFER) && !c->has_arg;
}

void dispatch_help_verbs(struct session *s)
{
	char line[128];
	size_t n = 0;

	for (int v = 1; v < VERB_COUNT; v++) {
		const char *name = verb_name((enum verb)v);

		if (!table[v].handler)
			continue;
		if (n + strlen(name) + 2 >= sizeof(line) || n >= 60) {
			reply_more(s, "%s", line);
			n = 0;
		}
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "", name);
	}
	if (n)
		reply_more(s, "%s", line);
}
