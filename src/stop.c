/* SPDX-License-Identifier: ISC */
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "stop.h"
#include "banned.h"

static volatile sig_atomic_t stop_signal;
static bool installed;
static sigset_t wait_mask;   /* during stop_poll(): the stop signals let through */
static volatile sig_atomic_t guard_dir = -1;
static char guard_name[64];

static void on_stop(int sig)
{
	int dir = guard_dir;

	stop_signal = sig;
	if (dir >= 0)
		unlinkat(dir, guard_name, 0);
}

void stop_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_BLOCK, &sa.sa_mask, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	installed = true;
}

int stop_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts;

	if (!installed)
		return poll(fds, n, timeout_ms);
	if (timeout_ms < 0)
		return ppoll(fds, n, NULL, &wait_mask);
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	return ppoll(fds, n, &ts, &wait_mask);
}

int stop_requested(void)
{
	return stop_signal;
}

void stop_guard_temp(int dir_fd, const char *name)
{
	size_t n = strlen(name);

	guard_dir = -1;
	if (n >= sizeof(guard_name))
		return;
	memcpy(guard_name, name, n + 1);
	guard_dir = dir_fd;
}

void stop_unguard_temp(void)
{
	guard_dir = -1;
}
