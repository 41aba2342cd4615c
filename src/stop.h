/* SIGTERM and SIGHUP, as systemd and inetd stop a session: the handler
 * only notes the signal (and removes a hidden upload temporary, which is
 * async-signal-safe); the transfer and command loops see the note when
 * their wait is interrupted, abort, log and end the session. */
#pragma once

/* Installs the handlers (without SA_RESTART, so that waits return EINTR). */
void stop_install(void);

/* The signal that asked the session to stop, or 0. */
int stop_requested(void);

/* While set, a stop signal unlinks name in dir_fd at once: the last
 * resort for a hidden temporary if the loops cannot reach their cleanup. */
void stop_guard_temp(int dir_fd, const char *name);
void stop_unguard_temp(void);
