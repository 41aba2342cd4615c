/* SPDX-License-Identifier: ISC */
/* The monitor of a privilege-separated session (privsep.h): answers the
 * pre-login process's login requests on a SOCK_SEQPACKET socket, strictly
 * (one request at a time, every field checked, the failed-login delay and
 * limit kept here), and after a login becomes the account and runs the
 * rest of the session. Anything unexpected ends the session. */
#pragma once
#include <sys/types.h>

#include "session.h"

/* How long past the login deadline the monitor and the pre-login process
 * wait for each other: the longest failed-login delay and some slack. */
#define MONITOR_GRACE_MS (LOGIN_DELAY_MAX_MS + 10000)

/* monitor_run()'s answer when a login succeeded: s is the account's
 * session now, ready for session_run(), then monitor_finish(). */
#define MONITOR_LOGGED_IN (-1)

/* Serves the pre-login process child on fd. s: the session as it was
 * before the split (configuration, roots, users file, control socket).
 * Returns the process's exit status when the session ended before a
 * login, or MONITOR_LOGGED_IN. */
int monitor_run(struct session *s, int fd, pid_t child);

/* After the logged-in session: tells the TLS relay whether the end of
 * the control input ended it (the relay then logs a truncated TLS
 * stream), and waits (bounded) for the relay's end. */
void monitor_finish(bool ended_by_input);
