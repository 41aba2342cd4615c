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

/* Serves the pre-login process child on fd. s: the session as it was
 * before the split (configuration, roots, users file, control socket).
 * Returns the process's exit status. */
int monitor_run(struct session *s, int fd, pid_t child);
