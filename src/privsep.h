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

/* Forks. In the pre-login child: enters the jail as run, closes the
 * descriptors that lead outside it, returns false (the caller greets and
 * runs the session). In the monitor: serves it to its end and returns true
 * with the process's exit status in *ret_status. */
bool privsep_split(struct session *s, const struct account *run, int *ret_status);

/* true in a pre-login process: logins are asked of the monitor. */
bool privsep_active(void);

/* Asks the monitor to log s->user in, by password or (certificate true,
 * password "") by the verified client certificate, and acts on the verdict:
 * on success this process leaves the session to the monitor's side (and
 * never returns); otherwise the refusal is replied. false only when a
 * certificate login was declined (the caller asks for a password). */
bool privsep_login(struct session *s, bool certificate, const char *password);
