/* SPDX-License-Identifier: ISC */
/* A TLS client for one data connection that ends with user_canceled:
 *
 *   tls-cancel HOST PORT BYTES VERSION END
 *
 * connects, does a TLS handshake (1.2 or 1.3 as VERSION says, the
 * server's certificate not checked: the control connection is what the
 * tests trust), sends BYTES bytes ('a' + offset % 26) and then the
 * user_canceled alert, and ends in one of three ways (END):
 *   eof     closes the TCP connection (a client that died or cancelled);
 *   bye     sends close_notify first (what Java sends when it closes);
 *   forged  writes a record that looks like an encrypted alert but is not
 *           authentic, then closes (a man in the middle faking the end).
 * Exit status 0 when all of it was sent. */
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what, int r)
{
	fprintf(stderr, "tls-cancel: %s: %s\n", what, r < 0 ? gnutls_strerror(r) : "failed");
	return 1;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	static char buf[65536];
	long long left, sent = 0;
	int fd, r;

	if (argc != 6) {
		fprintf(stderr, "usage: tls-cancel HOST PORT BYTES 1.2|1.3 eof|bye|forged\n");
		return 2;
	}
	left = atoll(argv[3]);
	fd = dial(argv[1], argv[2]);
	if (fd < 0)
		return fail("connect", 0);
	gnutls_global_init();
	gnutls_certificate_allocate_credentials(&cred);
	gnutls_init(&s, GNUTLS_CLIENT);
	r = gnutls_priority_set_direct(s, strcmp(argv[4], "1.2") == 0
					  ? "NORMAL:-VERS-ALL:+VERS-TLS1.2"
					  : "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL);
	if (r < 0)
		return fail("priority", r);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		return fail("handshake", r);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	/* Byte i of the stream is 'a' + i % 26, however the sends split it. */
	while (left > 0) {
		size_t n = left < 32768 ? (size_t)left : 32768;

		r = (int)gnutls_record_send(s, buf + sent % 26, n);
		if (r < 0 && gnutls_error_is_fatal(r))
			return fail("send", r);
		if (r > 0) {
			left -= r;
			sent += r;
		}
	}
	r = gnutls_alert_send(s, GNUTLS_AL_WARNING, GNUTLS_A_USER_CANCELED);
	if (r < 0)
		return fail("user_canceled", r);
	if (strcmp(argv[5], "bye") == 0) {
		r = gnutls_bye(s, GNUTLS_SHUT_WR);
		if (r < 0)
			return fail("close_notify", r);
		/* The server's own close_notify, or its end. */
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	} else if (strcmp(argv[5], "forged") == 0) {
		unsigned char fake[5 + 19] = { 23, 3, 3, 0, 19 };

		for (size_t i = 5; i < sizeof(fake); i++)
			fake[i] = (unsigned char)(i * 37);
		if (write(fd, fake, sizeof(fake)) != (ssize_t)sizeof(fake))
			return fail("forged record", 0);
	}
	close(fd);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	return 0;
}
