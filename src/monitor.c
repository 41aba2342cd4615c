/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit_status.h"
#include "hostport.h"
#include "log.h"
#include "login.h"
#include "monitor.h"
#include "privsep_proto.h"
#include "relay.h"
#include "tls.h"
#include "util.h"
#include "banned.h"

/* The input that came after the login command moves whole into the
 * logged-in side's control buffer (control_take_over). */
_Static_assert(PS_INPUT_MAX <= sizeof(((struct control *)0)->in),
	       "the monitor's request carries no more input than the control connection holds");

/* The pre-login process's exit status, waiting at most until deadline
 * before it is killed. */
static int reap(pid_t child, int64_t deadline)
{
	int status = 0;

	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child)
			break;
		if (r < 0 && errno != EINTR)
			return EXIT_SYSTEM;
		if (r == 0 && ms_until(deadline) <= 0) {
			kill(child, SIGKILL);
			deadline = now_ms() + 1000;
			if (waitpid(child, &status, 0) != child)
				return EXIT_SYSTEM;
			break;
		}
		if (r == 0)
			poll(NULL, 0, 20);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_SESSION_ERROR;
}

/* Something the pre-login process must never do: the session ends. */
static int breach(pid_t child, const char *what)
{
	log_msg(LOG_ERR, "pre-login process: %s: session ends", what);
	kill(child, SIGKILL);
	(void)reap(child, now_ms());
	return EXIT_SESSION_ERROR;
}

/* The next request, waited for until deadline. >0 its length, 0 when the
 * pre-login process has gone, -ETIMEDOUT, -EBADMSG (descriptors, a
 * truncated message), -errno. */
static ssize_t next_request(int fd, unsigned char *buf, size_t cap, int64_t deadline)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	ssize_t n;
	int r = wait_readable(fd, deadline);

	if (r < 0)
		return r;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? -EBADMSG : -errno;
	/* Descriptors are never sent this way: any that came are closed. */
	if (mh.msg_controllen > 0) {
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		if (cm && cm->cmsg_type == SCM_RIGHTS)
			close(*(int *)(void *)CMSG_DATA(cm));
		return -EBADMSG;
	}
	if (mh.msg_flags & MSG_TRUNC)
		return -EBADMSG;
	return n;
}

static int send_verdict(int fd, enum ps_verdict v, const int *fds, unsigned nfds)
{
	unsigned char buf[2];
	size_t len;

	if (ps_encode_verdict(v, buf, sizeof(buf), &len) < 0)
		return -EINVAL;
	return send_with_fds(fd, buf, len, fds, nfds);
}

/* The request's view of the session, as far as the monitor takes it: the
 * TLS facts (for the policy and the logs) and, behind a PROXY protocol
 * balancer only, the client's address (the monitor's own is the
 * balancer's). */
static void take_request(struct session *s, const struct ps_login *m)
{
	copy_string(s->user, sizeof(s->user), m->user);
	s->tls_info.active = m->tls_active;
	s->tls_info.cert_verified = m->cert_verified;
	copy_string(s->tls_info.version, sizeof(s->tls_info.version), m->tls_version);
	copy_string(s->tls_info.cipher, sizeof(s->tls_info.cipher), m->tls_cipher);
	copy_string(s->tls_info.subject, sizeof(s->tls_info.subject), m->tls_subject);
	copy_string(s->tls_info.sni, sizeof(s->tls_info.sni), m->tls_sni);
	if (s->cfg->proxy_protocol && m->have_peer) {
		s->peer = m->peer;
		sockaddr_host_string(&s->peer, s->peer_str, sizeof(s->peer_str));
		log_set_peer(s->peer_str);
	}
}

static enum ps_verdict judge(struct session *s, const struct ps_login *m, struct login_grant *g)
{
	memset(g, 0, sizeof(*g));
	take_request(s, m);
	/* The pre-login process refuses these already; the monitor does not
	 * take its word for it. */
	if (!s->tls_info.active &&
	    config_tls_required(s->cfg->tls_require, login_is_anonymous(s, s->user)))
		return PS_DECLINED;
	if (m->method == PS_METHOD_CERTIFICATE) {
		if (login_is_anonymous(s, s->user))
			return PS_DECLINED;
		return login_check_certificate(s, g) ? PS_OK : PS_DECLINED;
	}
	switch (login_check_password(s, m->password, g)) {
	case LOGIN_GRANTED:
		return PS_OK;
	case LOGIN_DECLINED:
		return PS_DECLINED;
	case LOGIN_FAILED:
		break;
	}
	return login_failure_count(s) ? PS_FAILED_LAST : PS_FAILED;
}

/* The control connection of the logged-in session: the socket itself over
 * plaintext (the pre-login process is ended first, so that it holds no
 * copy), or over TLS a socket pair to the relay. */
static int take_control(struct session *s, int fd, pid_t child, bool tls, pid_t *ret_relay)
{
	int io[2], ticket[2], give[2];

	*ret_relay = -1;
	if (!tls) {
		int r = send_verdict(fd, PS_OK, NULL, 0);

		kill(child, SIGKILL);
		(void)reap(child, now_ms());
		return r;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, io) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ticket) < 0) {
		close(io[0]);
		close(io[1]);
		return -errno;
	}
	give[0] = io[1];
	give[1] = ticket[1];
	if (send_verdict(fd, PS_OK, give, 2) < 0) {
		close(io[0]);
		close(ticket[0]);
		io[0] = -1;
	}
	close(io[1]);
	close(ticket[1]);
	if (io[0] < 0)
		return -EPIPE;
	/* The TCP socket is the relay's now. */
	close(s->ctrl.ch.rfd);
	if (s->ctrl.ch.wfd != s->ctrl.ch.rfd)
		close(s->ctrl.ch.wfd);
	control_init(&s->ctrl, io[0], io[0]);
	fd_set_nonblocking(io[0], true);
	tls_set_ticket_relay(ticket[0]);
	*ret_relay = child;
	return 0;
}

/* The state the session goes on from, as the pre-login process left it. */
static void continue_from(struct session *s, const struct ps_login *m)
{
	s->pbsz = m->pbsz;
	s->prot_private = m->prot_private;
	copy_string(s->host, sizeof(s->host), m->host);
	if (s->cfg->proxy_protocol)
		s->have_peer = m->have_peer;
	control_take_over(&s->ctrl, s->ctrl.ch.rfd, s->ctrl.ch.wfd, m->input, m->input_len);
	if (s->tls && tls_cache_import(s->tls, m->tls_cache, m->tls_cache_len) < 0)
		log_msg(LOG_WARNING, "the control session's TLS cache entry was not taken");
	s->login = LOGIN_NEED_PASS;
}

/* The relay's process, reaped by monitor_finish(). */
static pid_t relay_pid = -1;

/* Logged in: the session is the account's from here, in this process. */
static int log_in(struct session *s, int fd, pid_t child, const struct ps_login *m,
		  const struct login_grant *g)
{
	char line[USER_NAME_MAX + 8];

	if (take_control(s, fd, child, m->tls_active, &relay_pid) < 0)
		return breach(child, "the session could not be handed over");
	close(fd);
	continue_from(s, m);
	login_grant_apply(s, g);
	/* The command that logged in, recorded as an unseparated session does. */
	if (m->method == PS_METHOD_CERTIFICATE)
		snprintf(line, sizeof(line), "USER %s", m->user);
	else
		snprintf(line, sizeof(line), "PASS ****");
	log_command(line, s->ctrl.last_code);
	return MONITOR_LOGGED_IN;
}

void monitor_finish(bool ended_by_input)
{
	tls_relay_session_end(ended_by_input);
	/* The relay has the TLS goodbye to say: under systemd, the session's
	 * processes go when this one does. */
	if (relay_pid > 0)
		(void)reap(relay_pid, now_ms() + TLS_BYE_WAIT_MS + 1000);
	relay_pid = -1;
}

int monitor_run(struct session *s, int fd, pid_t child)
{
	static unsigned char buf[PS_MSG_MAX];
	static struct ps_login m;
	struct login_grant g;
	unsigned requests = 0;
	bool over = false;

	/* A stop request is the pre-login process's to answer: this one ends
	 * when it does. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		int64_t deadline = (requests ? now_ms() : s->login_deadline) + MONITOR_GRACE_MS;
		ssize_t n;
		enum ps_verdict v;

		if (requests)
			deadline += (int64_t)s->cfg->login_timeout * 1000;
		n = next_request(fd, buf, sizeof(buf), deadline);
		if (n == 0)
			return reap(child, now_ms() + MONITOR_GRACE_MS);
		if (n == -ETIMEDOUT)
			return breach(child, "no login and no end before the deadline");
		if (n < 0)
			return breach(child, "a malformed request");
		if (over || ++requests > LOGIN_MAX_COMMANDS)
			return breach(child, "a request after the last one allowed");
		if (ps_decode_login(buf, (size_t)n, &m) < 0)
			return breach(child, "a malformed request");
		explicit_bzero(buf, sizeof(buf));
		v = judge(s, &m, &g);
		explicit_bzero(m.password, sizeof(m.password));
		if (v == PS_OK)
			return log_in(s, fd, child, &m, &g);
		if (send_verdict(fd, v, NULL, 0) < 0)
			return breach(child, "the verdict could not be sent");
		over = v == PS_FAILED_LAST;
	}
}
