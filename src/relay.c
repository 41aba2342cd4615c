/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exit_status.h"
#include "log.h"
#include "relay.h"
#include "tls.h"
#include "util.h"
#include "banned.h"

/* How long one side may keep the relay from moving bytes: the idle
 * timeout, which the logged-in side applies to the client too. */
static int64_t write_deadline(const struct session *s)
{
	return now_ms() + (int64_t)s->cfg->idle_timeout * 1000;
}

/* Writes all of buf to the plain socket fd before deadline. */
static int write_all(int fd, const unsigned char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, ms_until(deadline)) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* One ticket request: a fresh TLS 1.3 ticket on the control connection,
 * then the answer. false when the requests' socket has ended. */
static bool serve_ticket(struct session *s, int ticket_fd)
{
	unsigned char b;
	ssize_t n = recv(ticket_fd, &b, 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0 || b != TLS_TICKET_REQUEST)
		return false;
	tls_refresh_ticket(channel_tls_session(&s->ctrl), now_ms() + TLS_BYE_WAIT_MS);
	b = TLS_TICKET_SENT;
	return send(ticket_fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1;
}

/* From the client to the account: false at the client's end. */
static bool client_to_account(struct session *s, int account_fd)
{
	unsigned char buf[4096];
	ssize_t n = channel_recv(&s->ctrl, buf, sizeof(buf));

	if (n == -EAGAIN)
		return true;
	if (n == -ECONNABORTED)
		log_msg(LOG_NOTICE, "control connection closed without TLS close_notify");
	if (n <= 0)
		return false;
	return write_all(account_fd, buf, (size_t)n, write_deadline(s)) == 0;
}

/* From the account to the client: false at the account's end. */
static bool account_to_client(struct session *s, int account_fd, bool *client_ok)
{
	unsigned char buf[4096];
	ssize_t n = recv(account_fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	/* A client that has gone takes nothing more: what the account says
	 * is dropped until it notices the end and closes. */
	if (*client_ok && channel_send_all(&s->ctrl, buf, (size_t)n, write_deadline(s)) < 0)
		*client_ok = false;
	return true;
}

int relay_run(struct session *s, int account_fd, int ticket_fd)
{
	bool client_ok = true;

	/* The account's side answers a stop (421 through here) and ends;
	 * this process follows it. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	fd_set_nonblocking(account_fd, true);
	/* No deadline of its own: the relay lives exactly as long as the
	 * logged-in process, which keeps every timeout of the session and
	 * whose end (or death) closes account_fd; PR_SET_PDEATHSIG covers the
	 * monitor's. */
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = client_ok ? s->ctrl.rfd : -1, .events = POLLIN },
			{ .fd = account_fd, .events = POLLIN },
			{ .fd = ticket_fd, .events = POLLIN },
		};
		int r = 1;

		if (!(client_ok && channel_pending(&s->ctrl)))
			r = poll(pfd, 3, -1);
		else
			pfd[0].revents = POLLIN;
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (pfd[2].revents && !serve_ticket(s, ticket_fd)) {
			close(ticket_fd);
			ticket_fd = -1;
		}
		/* The account's side first: after its last reply (221) it closes,
		 * and a client that then drops the connection ends nothing. */
		if (pfd[1].revents && !account_to_client(s, account_fd, &client_ok))
			break;
		if (pfd[0].revents && !client_to_account(s, account_fd)) {
			/* The client's end: the account hears it as its own. */
			shutdown(account_fd, SHUT_WR);
			client_ok = false;
		}
	}
	close(account_fd);
	if (client_ok)
		channel_close(&s->ctrl, now_ms() + TLS_BYE_WAIT_MS);
	else
		channel_abort(&s->ctrl);
	return EXIT_SESSION_OK;
}
