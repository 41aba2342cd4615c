/* SPDX-License-Identifier: ISC */
/* After a login over a TLS control connection (privilege separation): the
 * pre-login process keeps the TLS session, which cannot move to another
 * process, and copies bytes both ways between it and the logged-in
 * process's plain socket. It parses nothing; its one other duty is to send
 * a fresh TLS 1.3 ticket when the logged-in process asks (a data
 * connection used one up), before any reply written after the request. */
#pragma once
#include <stdint.h>

#include "session.h"

/* Relays s->ctrl <-> account_fd until either side ends; ticket_fd carries
 * the ticket requests. Returns the exit status. */
int relay_run(struct session *s, int account_fd, int ticket_fd);

/* The bytes on ticket_fd are tls.h's: TLS_TICKET_REQUEST
 * (tls_refresh_ticket() asks), and at the end TLS_SESSION_END or
 * TLS_SESSION_END_BY_INPUT (tls_relay_session_end()). */
