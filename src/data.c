/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "data.h"
#include "hostport.h"
#include "log.h"
#include "proxy_session.h"
#include "stop.h"
#include "util.h"
#include "banned.h"

/* The local address to listen on for family, from the control connection's
 * own local address. -EAFNOSUPPORT when the family does not fit it. */
static int listen_address(const struct session *s, int family, struct sockaddr_storage *ret,
			  socklen_t *ret_len)
{
	const struct sockaddr_storage *local = &s->local;
	struct in_addr local4;
	bool v4 = sockaddr_ipv4(local, &local4);

	memset(ret, 0, sizeof(*ret));
	if (family == 0)
		family = v4 ? AF_INET : AF_INET6;
	if ((family == AF_INET) != v4)
		return -EAFNOSUPPORT;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ret;

		sin->sin_family = AF_INET;
		sin->sin_addr = local4;
		*ret_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

		*sin6 = *(const struct sockaddr_in6 *)local;
		sin6->sin6_port = 0;
		*ret_len = sizeof(*sin6);
	}
	return 0;
}

/* A listener on addr, or -errno. SO_REUSEADDR because a port's earlier
 * data connections must not keep it from serving again: the accepted
 * connections inherit the option, so neither one still open in another
 * session nor one in TIME_WAIT (a minute after every transfer the server
 * closed first) stands in the way. Linux still refuses a port that has a
 * live listener, at bind() or, when two sessions bind it at once, at
 * listen(): each attempt needs a new socket. SO_REUSEPORT stays off, so
 * two listeners never share a port. */
static int listen_on(const struct sockaddr_storage *addr, socklen_t len)
{
	int one = 1, r;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, len) < 0 || listen(fd, 1) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* A listener on a port of FTPSD_PASV_PORTS, trying each once from a
 * random one so that concurrent sessions rarely meet, or on the kernel's
 * choice without a range. When every port has a live listener the range
 * is too small for the load, which only the administrator can mend: the
 * warning says so. */
static int listen_passive(const struct session *s, struct sockaddr_storage *addr, socklen_t len)
{
	unsigned lo = s->cfg->pasv_min, hi = s->cfg->pasv_max, span, start = 0;
	int fd;

	if (lo == 0) {
		sockaddr_set_port(addr, 0);
		return listen_on(addr, len);
	}
	span = hi - lo + 1;
	if (getrandom(&start, sizeof(start), 0) != sizeof(start))
		start = (unsigned)getpid();
	for (unsigned i = 0; i < span; i++) {
		sockaddr_set_port(addr, lo + (start + i) % span);
		fd = listen_on(addr, len);
		if (fd != -EADDRINUSE)
			return fd;
	}
	log_msg(LOG_WARNING, "passive port range exhausted: all %u ports of FTPSD_PASV_PORTS=%u-%u "
		"are held by listeners; widen the range", span, lo, hi);
	return -EADDRINUSE;
}

int data_listen(struct session *s, int family, unsigned *ret_port)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int fd, r;

	if (!s->have_peer)
		return -ENOTSOCK;
	r = listen_address(s, family, &addr, &len);
	if (r < 0)
		return r;
	session_clear_data(s);
	fd = listen_passive(s, &addr, len);
	if (fd < 0)
		return fd;
	len = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	s->pasv_fd = fd;
	s->data_mode = DATA_PASSIVE;
	*ret_port = sockaddr_port(&addr);
	return 0;
}

/* Accepts the control peer's connection on the passive listener. Others
 * are closed at once, until the data deadline: giving up after some would
 * let any host that can reach the port make the transfer fail. The first
 * PASV_LOGGED_STRANGERS are logged each, the rest counted in one line. */
static int accept_peer(struct session *s, int64_t deadline)
{
	unsigned strangers = 0;

	for (;;) {
		struct pollfd pfd = { .fd = s->pasv_fd, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		int fd, r = stop_poll(&pfd, 1, ms_until(deadline));

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			if (errno == EINTR && !stop_requested())
				continue;
			return -errno;   /* EINTR: SIGTERM or SIGHUP, the session ends */
		}
		fd = accept4(s->pasv_fd, (struct sockaddr *)&from, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return -errno;
		}
		if (proxy_data_from_peer(s, fd, &from, deadline)) {
			if (strangers > PASV_LOGGED_STRANGERS)
				log_msg(LOG_WARNING, "refused %u data connections from other hosts in all",
					strangers);
			return fd;
		}
		if (++strangers <= PASV_LOGGED_STRANGERS) {
			char who[64];

			sockaddr_host_string(&from, who, sizeof(who));
			log_msg(LOG_WARNING, "refused data connection from %s (control peer is %s)",
				who, s->peer_str);
		}
		close(fd);
	}
}

static int connect_active(struct session *s, int64_t deadline)
{
	socklen_t len = s->port_addr.ss_family == AF_INET ? sizeof(struct sockaddr_in)
							  : sizeof(struct sockaddr_in6);
	struct sockaddr_storage local;
	socklen_t llen;
	int fd = socket(s->port_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0, one = 1;

	if (fd < 0)
		return -errno;
	/* From the control connection's local address, so that the client
	 * sees the server it talks to (and firewalls see one host). The
	 * kernel's port for it may lie in FTPSD_PASV_PORTS: SO_REUSEADDR
	 * keeps it, open or in TIME_WAIT, from barring a passive listener. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listen_address(s, s->port_addr.ss_family, &local, &llen) == 0)
		(void)bind(fd, (struct sockaddr *)&local, llen);
	if (connect(fd, (struct sockaddr *)&s->port_addr, len) < 0 && errno != EINPROGRESS) {
		err = -errno;
	} else {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		socklen_t elen = sizeof(err);
		int r;

		while ((r = poll(&pfd, 1, ms_until(deadline))) < 0 && errno == EINTR)
			;
		if (r == 0)
			err = -ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = -errno;
		else
			err = -err;
	}
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

/* PROT P: the data connection is a TLS server session whichever side
 * connected (RFC 4217 §12.3), and must resume the control session when
 * FTPSD_TLS_REQUIRE_REUSE=1. */
static int secure(struct session *s, struct channel *ch, int64_t deadline)
{
	char err[256];
	gnutls_session_t tls;
	int r = tls_accept(s->tls, TLS_DATA, ch->rfd, ch->wfd, deadline, &tls, err, sizeof(err));

	if (r < 0) {
		log_msg(LOG_WARNING, "data connection from %s: %s", s->peer_str, err);
		return -EBADMSG;
	}
	channel_set_tls(ch, tls);
	channel_tune_for_data(ch);
	if (s->cfg->tls_require_reuse && !gnutls_session_is_resumed(tls)) {
		log_msg(LOG_WARNING, "data connection from %s did not resume the control TLS session",
			s->peer_str);
		return -EKEYREJECTED;
	}
	/* The client used up a TLS 1.3 ticket: give it the next one. */
	tls_refresh_ticket(channel_tls_session(&s->ctrl.ch), deadline);
	return 0;
}

/* Options of a data socket, for a transfer's throughput. TCP_NODELAY:
 * the last segment of a file or of a batch of TLS records leaves at
 * once. TCP_NOTSENT_LOWAT: the kernel takes more only while less than
 * DATA_NOTSENT_BYTES of what it holds is unsent, so a sender that
 * outruns its client does not pile megabytes into the socket (whose
 * sending the client's own ACKs would then do, on the client's CPU).
 * Bytes in flight are not limited, so neither is TCP's window. With it,
 * downloads got both cheaper and faster: bench/README, "Unsent data".
 * Both are only tuning: a kernel that refuses them changes no result. */
static void tune_for_transfer(int fd)
{
	int one = 1, notsent = DATA_NOTSENT_BYTES;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &notsent, sizeof(notsent));
}

int data_open(struct session *s, struct channel *ret)
{
	int64_t deadline = now_ms() + (int64_t)s->cfg->data_timeout * 1000;
	int fd;

	if (s->data_mode == DATA_PASSIVE)
		fd = accept_peer(s, deadline);
	else if (s->data_mode == DATA_ACTIVE)
		fd = connect_active(s, deadline);
	else
		fd = -ENOTCONN;
	session_clear_data(s);
	if (fd < 0)
		return fd;
	tune_for_transfer(fd);
	channel_init(ret, fd, fd);
	if (s->prot_private) {
		int r = secure(s, ret, deadline);

		if (r < 0) {
			channel_abort(ret);
			return r;
		}
	}
	return 0;
}
