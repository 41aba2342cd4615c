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
 * session under PROT P. 0, or without replying: -ENOTCONN (nothing
 * prepared), -EBADMSG (the TLS handshake failed), -EKEYREJECTED (the TLS
 * session did not resume the control connection's, when required) or
 * another -errno of accept/connect; reply_data_errno() answers them. The
 * passive listener is used up either way. */
int data_open(struct session *s, struct channel *ret);
