/* SPDX-License-Identifier: ISC */
/* Data connections: passive listeners that accept only the control peer,
 * active connections only to the control peer's address and never to a
 * port below 1024 (RFC 2577), and TLS on top under PROT P. */
#pragma once
#include "channel.h"
#include "session.h"

/* Opens a passive listener on the control connection's local address
 * (family 0: the control connection's own). 0 with the port, or -errno. */
int data_listen(struct session *s, int family, unsigned *ret_port);

/* Establishes the connection PASV/EPSV/PORT/EPRT prepared, and the TLS
 * session under PROT P. On failure it has replied (425 or 522) and
 * returns <0; the passive listener is used up either way. */
int data_open(struct session *s, struct channel *ret);
