/* SPDX-License-Identifier: ISC */
/* SIGTERM and SIGHUP, as systemd and inetd stop a session. Once
 * installed, the two signals are blocked except inside stop_poll(), so
 * they arrive only where a loop waits: the wait returns EINTR and the
 * loop, seeing stop_requested(), aborts, logs and ends the session. A
 * signal sent while the process is busy is kept pending and ends the
 * next wait at once (there is no moment between a check and a poll() in
 * which it could be missed). The handler also removes a hidden upload
 * temporary, which is async-signal-safe. */
#pragma once
#include <poll.h>

/* Installs the handlers and blocks the signals outside stop_poll(). */
void stop_install(void);

/* poll() through which the stop signals may arrive (ppoll with them
 * unblocked); plain poll() before stop_install(). */
int stop_poll(struct pollfd *fds, nfds_t n, int timeout_ms);

/* The signal that asked the session to stop, or 0. */
int stop_requested(void);

/* While set, a stop signal unlinks name in dir_fd at once: the last
 * resort for a hidden temporary if the loops cannot reach their cleanup. */
void stop_guard_temp(int dir_fd, const char *name);
void stop_unguard_temp(void);
