/* SPDX-License-Identifier: ISC */
/* Reading PROXY protocol headers off the control and data connections.
 * The parsing is proxy.c's; here are the reads (never a byte past the
 * header), the deadline, the trust decision and the log records. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostport.h"
#include "log.h"
#include "netlist.h"
#include "proxy.h"
#include "proxy_session.h"
#include "util.h"
#include "banned.h"

/* Reads one header from fd (non-blocking) by deadline: exactly its
 * bytes, as proxy_need() asks for them. 0, -ETIMEDOUT, -ECONNRESET (the
 * peer closed first), or the parser's -errno. */
static int read_header(int fd, int64_t deadline, struct proxy_header *h)
{
	unsigned char buf[PROXY_HEADER_MAX];
	size_t got = 0;
	int need;

	while ((need = proxy_need(buf, got)) > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = poll(&pfd, 1, ms_until(deadline));

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* need never reaches past PROXY_HEADER_MAX (proxy_need's contract). */
		n = read(fd, buf + got, (size_t)need);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	if (need < 0)
		return need;
	return proxy_parse(buf, got, h);
}

static const char *header_error(int r)
{
	switch (r) {
	case -ETIMEDOUT:
		return "no PROXY header before the deadline";
	case -ECONNRESET:
		return "the connection closed before a complete PROXY header";
	case -EPROTO:
		return "no valid PROXY header (malformed, or the client bypassed the balancer)";
	case -EMSGSIZE:
		return "PROXY header longer than allowed";
	case -EAFNOSUPPORT:
		return "PROXY header for a transport other than TCP";
	default:
		return strerror(-r);
	}
}

enum proxy_start proxy_session_start(struct session *s)
{
	const struct config *cfg = s->cfg;
	struct proxy_header h;
	char client[64];
	int r;

	if (!cfg->proxy_protocol)
		return PROXY_START_CLIENT;
	if (!s->have_peer || !netlist_contains(&cfg->proxy_from, &s->peer)) {
		log_msg(LOG_WARNING, "PROXY protocol: connection from %s, which is not in "
			"FTPSD_PROXY_FROM: closed", s->peer_str);
		return PROXY_START_REFUSED;
	}
	r = read_header(control_fd(&s->ctrl), s->login_deadline, &h);
	if (r < 0) {
		log_msg(LOG_WARNING, "PROXY protocol: balancer %s: %s: closed", s->peer_str,
			header_error(r));
		return PROXY_START_REFUSED;
	}
	if (h.local) {
		/* Health checks come every few seconds: no record above debug. */
		log_msg(LOG_DEBUG, "PROXY protocol: health check (%s) from %s",
			h.version == 2 ? "LOCAL" : "UNKNOWN", s->peer_str);
		return PROXY_START_LOCAL;
	}
	if (h.family != AF_INET && h.family != AF_INET6) {
		log_msg(LOG_WARNING, "PROXY protocol: balancer %s sent a header without an IP "
			"client address: closed", s->peer_str);
		return PROXY_START_REFUSED;
	}
	s->peer = h.src;
	sockaddr_host_string(&s->peer, client, sizeof(client));
	/* From this record on, FTP_REMOTE_ADDR is the client: a search for
	 * it finds the balancer it came through too. */
	log_set_peer(client);
	log_msg(LOG_INFO, "PROXY protocol: client %s via balancer %s", client, s->peer_str);
	snprintf(s->peer_str, sizeof(s->peer_str), "%s", client);
	return PROXY_START_CLIENT;
}

bool proxy_data_from_peer(struct session *s, int fd, struct sockaddr_storage *from,
			  int64_t deadline)
{
	const struct config *cfg = s->cfg;
	struct proxy_header h;
	char balancer[64];
	int r;

	if (!cfg->proxy_protocol || !netlist_contains(&cfg->proxy_from, from))
		return sockaddr_same_host(from, &s->peer);
	sockaddr_host_string(from, balancer, sizeof(balancer));
	r = read_header(fd, deadline, &h);
	if (r == 0 && (h.local || (h.family != AF_INET && h.family != AF_INET6)))
		r = -EPROTO;
	if (r < 0) {
		log_msg(LOG_WARNING, "PROXY protocol: data connection from balancer %s: %s",
			balancer, header_error(r));
		return false;
	}
	*from = h.src;
	return sockaddr_same_host(from, &s->peer);
}
