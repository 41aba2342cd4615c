/* SPDX-License-Identifier: ISC */
/* The PROXY protocol on the session's connections (FTPSD_PROXY_PROTOCOL):
 * the header a trusted balancer sends first is read, exactly, and the
 * client it names becomes the session's peer. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "session.h"

enum proxy_start {
	PROXY_START_CLIENT,     /* s->peer is now the client the header named */
	PROXY_START_LOCAL,      /* a health check (LOCAL, UNKNOWN): end cleanly */
	PROXY_START_REFUSED,    /* logged; end the session, read nothing more */
};

/* Before anything else is read from the control connection (and before
 * TLS in implicit mode), by s->login_deadline. Without
 * FTPSD_PROXY_PROTOCOL, PROXY_START_CLIENT at once. */
enum proxy_start proxy_session_start(struct session *s);

/* Whether the data connection fd, accepted from *from, comes from the
 * control connection's client. From a trusted balancer it must begin with
 * a PROXY header, read here by deadline, and *from becomes the client it
 * names; refusals are logged. */
bool proxy_data_from_peer(struct session *s, int fd, struct sockaddr_storage *from,
			  int64_t deadline);
