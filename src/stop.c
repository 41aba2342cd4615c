#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "stop.h"
#include "banned.h"

static volatile sig_atomic_t stop_signal;
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
