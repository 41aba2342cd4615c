/* SPDX-License-Identifier: ISC */
/* The command table: which handler runs a verb, and the conditions it
 * needs, checked here once so that no handler repeats them. */
#pragma once
#include "command.h"
#include "session.h"

/* Runs one parsed command: policy, login, argument and permission checks
 * first, then the handler. Every path ends in a reply. */
void dispatch(struct session *s, const struct command *c);

/* true when c may run during a transfer (ABOR, STAT): the others wait
 * for its end. */
bool dispatch_in_transfer(const struct command *c);

/* Handlers, one file per kind of command. */
typedef void handler_fn(struct session *s, const struct command *c);

/* cmd_login.c */
handler_fn cmd_user, cmd_pass, cmd_acct, cmd_rein, cmd_quit;
/* cmd_nav.c */
handler_fn cmd_cwd, cmd_cdup, cmd_pwd;
/* cmd_file.c */
handler_fn cmd_size, cmd_mdtm, cmd_mfmt, cmd_dele, cmd_rmd, cmd_mkd, cmd_rnfr, cmd_rnto;
/* cmd_params.c */
handler_fn cmd_type, cmd_stru, cmd_mode, cmd_rest, cmd_allo, cmd_port, cmd_eprt, cmd_pasv,
	cmd_epsv;
/* cmd_xfer.c */
handler_fn cmd_retr, cmd_stor, cmd_stou, cmd_appe;
/* cmd_list.c */
handler_fn cmd_list, cmd_nlst, cmd_mlsd, cmd_mlst, cmd_stat;
/* cmd_info.c */
handler_fn cmd_syst, cmd_noop, cmd_help, cmd_feat, cmd_opts, cmd_host, cmd_abor;
/* cmd_tls.c */
handler_fn cmd_auth, cmd_pbsz, cmd_prot, cmd_ccc;

/* The FEAT lines and HELP verbs come from the same table. */
void dispatch_help_verbs(struct session *s);
