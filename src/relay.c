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

/* What the account's side said on the ticket socket: a ticket request
 * (served at once), or at its end whether the end of its input ended it. */
enum account_word { WORD_NONE, WORD_GONE, WORD_ENDED_BY_INPUT, WORD_ENDED };

static enum account_word serve_ticket(struct session *s, int ticket_fd)
{
	unsigned char b;
	ssize_t n = recv(ticket_fd, &b, 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return WORD_NONE;
	if (n <= 0)
		return WORD_GONE;
	if (b == TLS_SESSION_END_BY_INPUT)
		return WORD_ENDED_BY_INPUT;
	if (b != TLS_TICKET_REQUEST)
		return WORD_ENDED;
	tls_refresh_ticket(channel_tls_session(&s->ctrl.ch), now_ms() + TLS_BYE_WAIT_MS);
	return WORD_NONE;
}

/* The account's last word, waited for until deadline. */
static enum account_word last_word(struct session *s, int ticket_fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = ticket_fd, .events = POLLIN };
	enum account_word w = WORD_NONE;

	while (ticket_fd >= 0 && w == WORD_NONE && poll(&pfd, 1, ms_until(deadline)) > 0)
		w = serve_ticket(s, ticket_fd);
	return w;
}

/* From the client to the account: false at the client's end. */
static bool client_to_account(struct session *s, int account_fd, bool *aborted)
{
	unsigned char buf[4096];
	ssize_t n = channel_recv(&s->ctrl.ch, buf, sizeof(buf));

	if (n == -EAGAIN)
		return true;
	if (n <= 0) {
		*aborted = n == -ECONNABORTED;
		return false;
	}
	return write_all_fd(account_fd, buf, (size_t)n, write_deadline(s)) == 0;
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
	if (*client_ok && channel_send_all(&s->ctrl.ch, buf, (size_t)n, write_deadline(s)) < 0)
		*client_ok = false;
	return true;
}

int relay_run(struct session *s, int account_fd, int ticket_fd)
{
	bool client_ok = true, aborted = false;
	enum account_word word = WORD_NONE;

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
			{ .fd = client_ok ? s->ctrl.ch.rfd : -1, .events = POLLIN },
			{ .fd = account_fd, .events = POLLIN },
			{ .fd = word == WORD_NONE ? ticket_fd : -1, .events = POLLIN },
		};
		int r = 1;

		if (!(client_ok && channel_pending(&s->ctrl.ch)))
			r = poll(pfd, 3, -1);
		else
			pfd[0].revents = POLLIN;
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		/* Requests first: a ticket asked for before a reply was written
		 * goes out before that reply (the account does not wait). */
		if (pfd[2].revents)
			word = serve_ticket(s, ticket_fd);
		if (pfd[1].revents && !account_to_client(s, account_fd, &client_ok))
			break;
		if (pfd[0].revents && !client_to_account(s, account_fd, &aborted)) {
			/* The client's end: the account hears it as its own. */
			shutdown(account_fd, SHUT_WR);
			client_ok = false;
		}
	}
	close(account_fd);
	/* A truncated control connection is worth a record only when it ended
	 * the session: not when the client merely dropped it after 221. The
	 * account's side says which, after its end. */
	if (aborted) {
		if (word == WORD_NONE)
			word = last_word(s, ticket_fd, now_ms() + TLS_BYE_WAIT_MS);
		if (word == WORD_ENDED_BY_INPUT)
			log_msg(LOG_NOTICE, "control connection closed without TLS close_notify");
	}
	if (client_ok)
		channel_close(&s->ctrl.ch, now_ms() + TLS_BYE_WAIT_MS);
	else
		channel_abort(&s->ctrl.ch);
	return EXIT_SESSION_OK;
}
