/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounds.h"
#include "owner.h"
#include "util.h"
#include "banned.h"

/* Each request is one datagram of this size; OWNER_HOLD carries one fd. */
enum { OWNER_HOLD = 0x6f770001, OWNER_GIVE = 0x6f770002 };
/* The helper answers at once; this only bounds a helper gone wrong. */
#define OWNER_REPLY_MS 10000

struct owner_request {
	uint32_t op;
};

/* The session's end of the helper's socket; -1 when there is none. */
static int owner_sock = -1;

int owner_lookup(const char *spec, struct owner_id *ret, char *why, size_t size)
{
	char user[64];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;
	struct group *gr;

	/* Never a shorter name than the one given: that could be another user. */
	if (n >= sizeof(user)) {
		snprintf(why, size, "user name too long");
		return -ENAMETOOLONG;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	errno = 0;
	if (!(pw = getpwnam(user))) {
		snprintf(why, size, "no such user %s", user);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		snprintf(why, size, "%s has uid 0: uploads are never given to root", user);
		return -EPERM;
	}
	ret->uid = pw->pw_uid;
	ret->gid = pw->pw_gid;
	if (!colon)
		return 0;
	if (!(gr = getgrnam(colon + 1))) {
		snprintf(why, size, "no such group %s", colon + 1);
		return -ENOENT;
	}
	ret->gid = gr->gr_gid;
	return 0;
}

/* One request: its op and, for OWNER_HOLD, the fd. 1, 0 at the end of
 * the socket, -1 for anything else (the helper ends then). */
static int helper_receive(int sock, uint32_t *op, int *fd)
{
	struct owner_request rq;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { &rq, sizeof(rq) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return n == 0 ? 0 : -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	else if (c)
		return -1;
	*op = rq.op;
	if (n != (ssize_t)sizeof(rq) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (*op == OWNER_HOLD) != (*fd >= 0))
		return -1;
	return 1;
}

/* Holds fd when the rule allows it. 0 or an errno. */
static int helper_hold(int fd, uid_t session_uid, int *held)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !owner_may_chown(&st, session_uid)) {
		close(fd);
		return EPERM;
	}
	if (*held >= 0)
		close(*held);
	*held = fd;
	return 0;
}

/* Gives the held file away: still a regular file of the session's. */
static int helper_give(const struct owner_id *to, uid_t session_uid, int *held)
{
	struct stat st;
	int r = 0;

	if (*held < 0)
		return EPERM;
	if (fstat(*held, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != session_uid)
		r = EPERM;
	else if (fchown(*held, to->uid, to->gid) < 0)
		r = errno;
	close(*held);
	*held = -1;
	return r;
}

/* Every descriptor from fd on; one by one where close_range() is missing
 * or filtered (up to the session's RLIMIT_NOFILE, main.c). */
static void close_all_from(int fd)
{
	if (close_range((unsigned)fd, ~0u, 0) == 0)
		return;
	for (int i = fd; i < SESSION_MAX_FDS; i++)
		(void)close(i);
}

static void __attribute__((noreturn)) helper_run(int sock, const struct owner_id *to,
						 const struct account *run)
{
	int held = -1, fd, r;
	uint32_t op;

	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (privs_chown_only(run) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(EXIT_FAILURE);
	/* Only the socket stays: not the client's connection, which must
	 * close when the session does, nor anything else of the session's. */
	if (sock != 0 && dup2(sock, 0) < 0)
		_exit(EXIT_FAILURE);
	close_all_from(1);
	while ((r = helper_receive(0, &op, &fd)) > 0) {
		int32_t result = op == OWNER_HOLD ? helper_hold(fd, run->uid, &held)
						  : helper_give(to, run->uid, &held);

		if (send(0, &result, sizeof(result), MSG_NOSIGNAL) != (ssize_t)sizeof(result))
			_exit(EXIT_FAILURE);
	}
	_exit(r == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

int owner_start(const struct owner_id *to, const struct account *run)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0)
		helper_run(sv[1], to, run);
	close(sv[1]);
	owner_sock = sv[0];
	return 0;
}

void owner_close(void)
{
	if (owner_sock >= 0)
		close(owner_sock);
	owner_sock = -1;
}

/* One request and its answer: 0 or -errno; -EIO when the helper is gone,
 * and then for good. */
static int ask(uint32_t op, int fd)
{
	struct owner_request rq = { op };
	int32_t result;
	ssize_t n;

	if (owner_sock < 0)
		return -EIO;
	/* A seqpacket socket: the request goes whole or not at all. */
	if (send_with_fds(owner_sock, &rq, sizeof(rq), &fd, fd >= 0 ? 1 : 0) == 0 &&
	    wait_readable(owner_sock, now_ms() + OWNER_REPLY_MS) == 0)
		n = recv(owner_sock, &result, sizeof(result), 0);
	else
		n = -1;
	if (n != (ssize_t)sizeof(result) || result < 0) {
		owner_close();
		return -EIO;
	}
	return -result;
}

int owner_hold(int fd)
{
	return fd < 0 ? -EBADF : ask(OWNER_HOLD, fd);
}

int owner_give(void)
{
	return ask(OWNER_GIVE, -1);
}
