/* SPDX-License-Identifier: ISC */
/* cpuwrap: runs one server session and records what it cost.
 *
 *   cpuwrap RECORD-FILE PROGRAM [ARG...]
 *
 * Meant to sit between the super-server and the server it starts
 * (systemd-socket-activate --inetd ... cpuwrap FILE /usr/sbin/vsftpd ...).
 * It makes itself a child subreaper, so that every process of the session
 * stays its descendant even when a parent dies before its children (some
 * servers fork helpers), starts PROGRAM with the descriptors, environment
 * and arguments it was given, reaps every descendant, and then appends one
 * line to RECORD-FILE:
 *
 *   cpuwrap=PID child=PID status=N user=SECONDS sys=SECONDS maxrss_kb=KB wall=SECONDS
 *
 * user and sys are getrusage(RUSAGE_CHILDREN): the CPU time of every
 * process of the session, whoever forked it. maxrss_kb is that call's
 * ru_maxrss, the peak resident set of the largest one. wall runs from the
 * start of PROGRAM to the last descendant's end. status is the exit status
 * of PROGRAM (128 + signal number when a signal ended it).
 *
 * The line is written with a single write(2) to a file opened O_APPEND, so
 * concurrent sessions never interleave their records. cpuwrap's own copies
 * of the connection (descriptors 0 and 1) are closed once PROGRAM runs, so
 * that the client sees the connection end when the server ends it.
 * SIGTERM, SIGINT and SIGHUP are passed on to PROGRAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t main_child;

static void pass_on(int sig)
{
	if (main_child > 0)
		kill((pid_t)main_child, sig);
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Makes descriptor fd refer to /dev/null, so that it stays taken. */
static void to_dev_null(int fd)
{
	int n = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (n < 0)
		return;
	if (n != fd) {
		dup2(n, fd);
		close(n);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rusage ru;
	double start, end;
	int status = 0, main_status = -1, out;
	pid_t pid;
	char line[256];
	int len;

	if (argc < 3) {
		fprintf(stderr, "usage: cpuwrap RECORD-FILE PROGRAM [ARG...]\n");
		return 2;
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "cpuwrap: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		fprintf(stderr, "cpuwrap: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));

	start = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cpuwrap: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		fprintf(stderr, "cpuwrap: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	main_child = pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pass_on;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	to_dev_null(0);
	to_dev_null(1);

	/* Every descendant, PROGRAM's orphans included, until none is left. */
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;   /* ECHILD: the session is over */
		}
		if (w == pid) {
			if (WIFEXITED(status))
				main_status = WEXITSTATUS(status);
			else if (WIFSIGNALED(status))
				main_status = 128 + WTERMSIG(status);
		}
	}
	end = now();

	if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		fprintf(stderr, "cpuwrap: getrusage: %s\n", strerror(errno));
		return 2;
	}
	len = snprintf(line, sizeof line,
		       "cpuwrap=%ld child=%ld status=%d user=%.6f sys=%.6f maxrss_kb=%ld wall=%.6f\n",
		       (long)getpid(), (long)pid, main_status, seconds(ru.ru_utime),
		       seconds(ru.ru_stime), ru.ru_maxrss, end - start);
	if (len > 0 && (size_t)len < sizeof line && write(out, line, (size_t)len) != len)
		fprintf(stderr, "cpuwrap: %s: %s\n", argv[1], strerror(errno));
	close(out);
	return main_status < 0 ? 1 : main_status;
}
