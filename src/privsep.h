/* SPDX-License-Identifier: ISC */
/* Privilege separation (FTPSD_SYSTEM_USERS=1, started as root): the split
 * into a monitor and a pre-login process, and the pre-login side of it.
 *
 *   monitor (monitor.c)    root with the four login capabilities; holds the
 *                          users file, the roots and the control socket but
 *                          reads nothing from the network; answers login
 *                          requests, and on success becomes the account and
 *                          runs the rest of the session itself.
 *   pre-login (here)       FTPSD_RUN_USER, no capability, no_new_privs,
 *                          chrooted to an empty directory that no longer
 *                          exists; greets, does TLS, runs every command up
 *                          to the login and asks the monitor to decide it.
 *                          After a login over TLS it stays as the relay of
 *                          the control connection (relay.c); over plaintext
 *                          it is gone.
 */
#pragma once
#include <stdbool.h>

#include "privs.h"
#include "session.h"

enum privsep_side {
	PRIVSEP_PRELOGIN,   /* jailed: greet and run the session up to login */
	PRIVSEP_LOGGED_IN,  /* the monitor, now the account: run the session,
			     * then privsep_finish() */
	PRIVSEP_ENDED,      /* the monitor, the session over before a login */
};

/* Forks. In the pre-login child: enters the jail as run, closes the
 * descriptors that lead outside it. In the monitor: serves the login
 * requests; with PRIVSEP_ENDED the exit status is in *ret_status. */
enum privsep_side privsep_split(struct session *s, const struct account *run, int *ret_status);

/* After a logged-in session: waits (bounded) for the TLS relay's end. */
void privsep_finish(const struct session *s);

/* true in a pre-login process: logins are asked of the monitor. */
bool privsep_active(void);

/* Asks the monitor to log s->user in, by password or (certificate true,
 * password "") by the verified client certificate, and acts on the verdict:
 * on success this process leaves the session to the monitor's side (and
 * never returns); otherwise the refusal is replied. false only when a
 * certificate login was declined (the caller asks for a password). */
bool privsep_login(struct session *s, bool certificate, const char *password);

#ifdef FTPSD_PRIVSEP_ATTACK_TESTS
/* Test builds only (configure --enable-privsep-attack-tests): on
 * "XATK NAME" the pre-login process plays a compromised one and tries
 * NAME (SHADOW, WRITE, SETUID, PTRACE, FORGE), replies what became of it
 * and ends the session. true when line was such a command. */
bool privsep_attack(struct session *s, const char *line);
#endif
