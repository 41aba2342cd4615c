/* SPDX-License-Identifier: ISC */
/* TYPE, STRU, MODE, REST, ALLO and the data connection commands PORT,
 * EPRT, PASV, EPSV (RFC 959 §4.1.2, RFC 2428). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "data.h"
#include "dispatch.h"
#include "hostport.h"
#include "reply.h"
#include "util.h"
#include "banned.h"

void cmd_type(struct session *s, const struct command *c)
{
	const char *a = c->arg;

	if (strcasecmp(a, "I") == 0 || strcasecmp(a, "L 8") == 0) {
		s->ascii = false;
		reply(s, 200, "Type set to I");
	} else if (strcasecmp(a, "A") == 0 || strcasecmp(a, "A N") == 0) {
		s->ascii = true;
		reply(s, 200, "Type set to A");
	} else if (strchr("AaEeIiLl", a[0]) && (a[1] == '\0' || a[1] == ' ')) {
		reply(s, 504, "Type %s not implemented", a);
	} else {
		reply(s, 501, "Unknown type %s", a);
	}
}

void cmd_stru(struct session *s, const struct command *c)
{
	if (strcasecmp(c->arg, "F") == 0)
		reply(s, 200, "Structure set to F");
	else
		reply(s, 504, "Only file structure (F) is supported");
}

void cmd_mode(struct session *s, const struct command *c)
{
	if (strcasecmp(c->arg, "S") == 0)
		reply(s, 200, "Mode set to S");
	else
		reply(s, 504, "Only stream mode (S) is supported");
}

void cmd_rest(struct session *s, const struct command *c)
{
	uint64_t v = 0;
	int r = c->arg_len > 19 ? -EINVAL : parse_decimal(c->arg, c->arg_len, INT64_MAX, &v);

	if (r == -EINVAL) {
		reply(s, 501, "REST needs a byte offset");
		return;
	}
	if (r < 0) {
		reply(s, 501, "REST offset too large");
		return;
	}
	s->rest = v;
	reply(s, 350, "Restarting at %llu; send STOR or RETR", (unsigned long long)v);
}

void cmd_allo(struct session *s, const struct command *c)
{
	(void)c;
	reply(s, 202, "No storage allocation necessary");
}

/* "0.0.0.0" or "::" as the address: some clients (lftp over IPv6) mean
 * "the address you see me at". That is the control peer: safe to use. */
static void fill_unspecified(const struct session *s, struct sockaddr_storage *target)
{
	unsigned port = sockaddr_port(target);

	if (!s->have_peer || !sockaddr_is_unspecified(target) ||
	    target->ss_family != s->peer.ss_family)
		return;
	*target = s->peer;
	sockaddr_set_port(target, port);
}

/* Common checks of PORT and EPRT: the target must be the control peer
 * and an unprivileged port, or we could be used to attack a third party. */
static void set_active(struct session *s, struct sockaddr_storage *target)
{
	if (!s->cfg->active) {
		reply(s, 502, "Active mode is disabled; use PASV or EPSV");
		return;
	}
	if (s->epsv_all) {
		reply(s, 503, "EPSV ALL in effect: only EPSV is accepted");
		return;
	}
	fill_unspecified(s, target);
	if (!s->have_peer || !sockaddr_same_host(target, &s->peer)) {
		reply(s, 504, "Data connections only to your own address");
		return;
	}
	if (sockaddr_port(target) < 1024) {
		reply(s, 504, "Data connections only to ports 1024 and above");
		return;
	}
	session_clear_data(s);
	s->port_addr = *target;
	s->data_mode = DATA_ACTIVE;
	reply(s, 200, "Data connection target accepted");
}

void cmd_port(struct session *s, const struct command *c)
{
	struct sockaddr_storage ss;

	if (hostport_parse_port(c->arg, (struct sockaddr_in *)&ss) < 0) {
		reply(s, 501, "PORT needs h1,h2,h3,h4,p1,p2");
		return;
	}
	set_active(s, &ss);
}

void cmd_eprt(struct session *s, const struct command *c)
{
	struct sockaddr_storage ss;
	int r = hostport_parse_eprt(c->arg, &ss);

	if (r == -EAFNOSUPPORT) {
		reply(s, 522, "Network protocol not supported, use (1,2)");
		return;
	}
	if (r < 0) {
		reply(s, 501, "EPRT needs |family|address|port|");
		return;
	}
	set_active(s, &ss);
}

void cmd_pasv(struct session *s, const struct command *c)
{
	char hp[32];
	struct sockaddr_storage local = s->local;
	struct in_addr addr;
	unsigned port;
	int r;

	(void)c;
	if (s->epsv_all) {
		reply(s, 503, "EPSV ALL in effect: only EPSV is accepted");
		return;
	}
	r = data_listen(s, AF_INET, &port);
	if (r == -EAFNOSUPPORT) {
		reply(s, 425, "PASV works over IPv4 only; use EPSV");
		return;
	}
	if (r < 0) {
		reply(s, 425, "Cannot open passive connection: %s", strerror(-r));
		return;
	}
	if (s->cfg->has_pasv_address)
		addr = s->cfg->pasv_address;
	else
		sockaddr_ipv4(&local, &addr);   /* IPv4 or IPv4-mapped: PASV listens on IPv4 only */
	hostport_format_pasv(&addr, port, hp, sizeof(hp));
	reply(s, 227, "Entering Passive Mode (%s).", hp);
}

void cmd_epsv(struct session *s, const struct command *c)
{
	int family = 0, r;
	unsigned port;

	r = hostport_parse_epsv(c->arg, &family);
	if (r == -EAFNOSUPPORT) {
		reply(s, 522, "Network protocol not supported, use (%d)",
		      s->local.ss_family == AF_INET6 ? 2 : 1);
		return;
	}
	if (r < 0) {
		reply(s, 501, "EPSV takes 1, 2 or ALL");
		return;
	}
	if (family == EPSV_ALL) {
		/* RFC 2428 §4: from now on only EPSV sets up data connections. */
		s->epsv_all = true;
		reply(s, 200, "EPSV ALL ok");
		return;
	}
	r = data_listen(s, family, &port);
	if (r == -EAFNOSUPPORT) {
		reply(s, 522, "Network protocol not supported, use (%d)",
		      s->local.ss_family == AF_INET6 ? 2 : 1);
		return;
	}
	if (r < 0) {
		reply(s, 425, "Cannot open passive connection: %s", strerror(-r));
		return;
	}
	/* FTPSD_PASV_ADDRESS is for 227 only: 229 carries no address. */
	reply(s, 229, "Entering Extended Passive Mode (|||%u|)", port);
}
