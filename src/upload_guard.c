/* Removing an upload's temporary file when the session is stopped. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "upload_guard.h"
#include "banned.h"

static volatile sig_atomic_t armed;
static int guard_dir = -1;
static char guard_name[64];

/* Only async-signal-safe calls: unlinkat, sigaction and raise. The
 * signal is raised again with its default action, so that the exit
 * status still says how the session ended. */
static void on_stop(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (armed)
		(void)unlinkat(guard_dir, guard_name, 0);
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

void upload_guard_install(void)
{
	static const int stops[] = { SIGTERM, SIGHUP, SIGINT };
	struct sigaction sa = { .sa_handler = on_stop };

	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigaction(stops[i], &sa, NULL);
}

void upload_guard_arm(int dir_fd, const char *name)
{
	armed = 0;
	guard_dir = dir_fd;
	snprintf(guard_name, sizeof(guard_name), "%s", name);
	armed = 1;
}

void upload_guard_disarm(void)
{
	armed = 0;
}
