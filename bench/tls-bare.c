/* SPDX-License-Identifier: ISC */
/* tls-bare: the least a TLS server can do to feed or drain a client.
 *
 *   tls-bare CERT KEY PRIORITY [DIR]  (one connection on descriptors 0 and 1)
 *   tls-bare --plain DIR
 *   tls-bare --version
 *
 * Started per connection by a super-server, as the FTP servers in the
 * benchmark are, it does one TLS handshake (GnuTLS, with PRIORITY) and
 * answers one HTTP/1.1 request:
 *
 *   GET /N    200 with Content-Length: N and N bytes from memory, written
 *             in 256 KiB chunks (corked, so each chunk leaves in one write);
 *   PUT /any  reads the Content-Length bytes of the body and discards them,
 *             then 201 (it answers "Expect: 100-continue" with 100 first).
 *
 * With DIR, a path that is not a number names a file beneath DIR (no
 * "..", no symbolic links): GET reads it with pread() in 256 KiB chunks,
 * PUT writes the body into it with write(), as an FTP server's data loop
 * does. Then its CPU time is the floor of a userspace TLS transfer on the
 * machine: the same file reads or writes, AES-GCM sealing or opening and
 * socket writes or reads, and nothing else.
 *
 * With --plain there is no TLS: the same requests over plain HTTP, GET of
 * a file sent with sendfile() in 4 MiB calls, PUT written with read()
 * and write() in 256 KiB chunks, blocking: the floor of a plain FTP
 * transfer (the system calls its data loop cannot do without, and
 * nothing else).
 *
 * Every response carries "X-TLS: VERSION/CIPHER/GROUP", what GnuTLS
 * negotiated, so that the benchmark can check that the client ceiling is
 * measured with the same parameters as the FTP servers. No file system,
 * no logging, no parsing beyond the request line and two headers: with
 * the same client, what it reaches is the client's ceiling.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define CHUNK (256 * 1024)
#define HEAD_MAX 16384
#define TIME_LIMIT_S 900
#define SENDFILE_MAX (4 * 1024 * 1024)

static char chunk[CHUNK];
static char head[HEAD_MAX + 1];
static int dir_fd = -1;   /* DIR, when given */

static void die(const char *what, int r)
{
	fprintf(stderr, "tls-bare: %s: %s\n", what, r ? gnutls_strerror(r) : strerror(errno));
	exit(1);
}

/* Sends all of buf, or dies. A NULL session is plain (--plain). */
static void send_all(gnutls_session_t s, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = s ? gnutls_record_send(s, buf, len) : write(1, buf, len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || (!s && n < 0 && errno == EINTR))
			continue;
		if (!s && n <= 0)
			die("send", 0);
		if (n < 0)
			die("send", (int)n);
		buf += n;
		len -= (size_t)n;
	}
}

static void cork(gnutls_session_t s)
{
	if (s)
		gnutls_record_cork(s);
}

/* Flushes what cork held back. */
static void uncork(gnutls_session_t s)
{
	int r;

	if (!s)
		return;
	do
		r = gnutls_record_uncork(s, GNUTLS_RECORD_WAIT);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	if (r < 0)
		die("send", r);
}

static ssize_t recv_some(gnutls_session_t s, char *buf, size_t len)
{
	for (;;) {
		ssize_t n = s ? gnutls_record_recv(s, buf, len) : read(0, buf, len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || (!s && n < 0 && errno == EINTR))
			continue;
		if (!s && n < 0)
			die("receive", 0);
		if (n < 0)
			die("receive", (int)n);
		return n;
	}
}

/* The value of header name (case-insensitive) in the request head, or NULL. */
static const char *header(const char *name)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2] != '\r') {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

static void respond(gnutls_session_t s, const char *status, unsigned long long length)
{
	const char *group = s ? gnutls_group_get_name(gnutls_group_get(s)) : NULL;
	char line[512];
	int n;

	if (!s)
		n = snprintf(line, sizeof line,
			     "HTTP/1.1 %s\r\nContent-Length: %llu\r\nX-TLS: none\r\n"
			     "Connection: close\r\n\r\n", status, length);
	else
		n = snprintf(line, sizeof line,
			     "HTTP/1.1 %s\r\nContent-Length: %llu\r\nX-TLS: %s/%s/%s\r\n"
			     "Connection: close\r\n\r\n",
			     status, length, gnutls_protocol_get_name(gnutls_protocol_get_version(s)),
			     gnutls_cipher_get_name(gnutls_cipher_get(s)), group ? group : "none");
	if (n < 0 || (size_t)n >= sizeof line)
		die("response line", 0);
	send_all(s, line, (size_t)n);
}

/* The file a request path names beneath DIR (open with flags), or -1
 * when there is no DIR or the path is a number (a size from memory). */
static int open_path(const char *path, int flags)
{
	char name[1024];
	size_t len = strcspn(path, " ");

	if (dir_fd < 0 || isdigit((unsigned char)*path))
		return -1;
	if (len == 0 || len >= sizeof name)
		die("request path", 0);
	memcpy(name, path, len);
	name[len] = '\0';
	if (strstr(name, "..") != NULL)
		die("request path with \"..\"", 0);
	return openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* GET of a file, plain: sendfile() from the page cache to the socket. */
static void send_file_plain(int fd, off_t size)
{
	off_t off = 0;

	respond(NULL, "200 OK", (unsigned long long)size);
	while (off < size) {
		size_t want = size - off > SENDFILE_MAX ? SENDFILE_MAX : (size_t)(size - off);
		ssize_t n = sendfile(1, fd, &off, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("sendfile", 0);
	}
	close(fd);
}

/* GET of a file: pread() into the chunk, then as from memory. */
static void serve_file(gnutls_session_t s, int fd)
{
	off_t size = lseek(fd, 0, SEEK_END), off = 0;

	if (size < 0)
		die("file size", 0);
	if (!s) {
		send_file_plain(fd, size);
		return;
	}
	gnutls_record_cork(s);
	respond(s, "200 OK", (unsigned long long)size);
	while (off < size) {
		ssize_t n = pread(fd, chunk, CHUNK, off);

		if (n <= 0)
			die("file read", 0);
		send_all(s, chunk, (size_t)n);
		uncork(s);
		cork(s);
		off += n;
	}
	uncork(s);
	close(fd);
}

/* Writes all of buf to the file, or dies. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("file write", 0);
		buf += n;
		len -= (size_t)n;
	}
}

static void serve_get(gnutls_session_t s, unsigned long long n)
{
	/* Written here, not at the start: an idle tls-bare is the floor of
	 * a session's memory (bench/README), and untouched pages cost none. */
	memset(chunk, 'x', sizeof chunk);
	cork(s);
	respond(s, "200 OK", n);
	while (n > 0) {
		size_t k = n > CHUNK ? CHUNK : (size_t)n;

		send_all(s, chunk, k);
		uncork(s);
		cork(s);
		n -= k;
	}
	uncork(s);
}

static void serve_put(gnutls_session_t s, const char *body, size_t already, int fd)
{
	const char *cl = header("Content-Length");
	const char *expect = header("Expect");
	unsigned long long want, got = already;

	if (!cl || !isdigit((unsigned char)*cl)) {
		respond(s, "411 Length Required", 0);
		return;
	}
	want = strtoull(cl, NULL, 10);
	if (expect && strncasecmp(expect, "100-continue", 12) == 0 && got < want) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		send_all(s, cont, sizeof cont - 1);
	}
	if (fd >= 0)
		write_all(fd, body, already);
	while (got < want) {
		size_t k = want - got > CHUNK ? CHUNK : (size_t)(want - got);
		ssize_t n = recv_some(s, chunk, k);

		if (n == 0)
			die("body ended early", 0);
		if (fd >= 0)
			write_all(fd, chunk, (size_t)n);
		got += (unsigned long long)n;
	}
	if (fd >= 0 && close(fd) < 0)
		die("file close", 0);
	respond(s, "201 Created", 0);
}

/* The TLS handshake on descriptors 0 and 1, with the certificate, the
 * key and the priority string; the session, ready for records. */
static gnutls_session_t handshake(const char *cert, const char *key, const char *priority,
				  gnutls_certificate_credentials_t *cred)
{
	gnutls_session_t s;
	const char *err_pos = NULL;
	int r;

	if ((r = gnutls_certificate_allocate_credentials(cred)) < 0)
		die("credentials", r);
	if ((r = gnutls_certificate_set_x509_key_file(*cred, cert, key, GNUTLS_X509_FMT_PEM)) < 0)
		die("certificate", r);
	if ((r = gnutls_init(&s, GNUTLS_SERVER)) < 0)
		die("init", r);
	if ((r = gnutls_priority_set_direct(s, priority, &err_pos)) < 0) {
		fprintf(stderr, "tls-bare: priority at \"%s\"\n", err_pos ? err_pos : "");
		die("priority", r);
	}
	if ((r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, *cred)) < 0)
		die("credentials", r);
	gnutls_transport_set_int2(s, 0, 1);
	gnutls_handshake_set_timeout(s, 30 * 1000);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		die("handshake", r);
	return s;
}

/* Reads the request head, up to its empty line, and answers it. */
static void serve_request(gnutls_session_t s)
{
	size_t have = 0;
	char *end;

	for (;;) {
		ssize_t n;

		if (have >= HEAD_MAX)
			die("request head too long", 0);
		n = recv_some(s, head + have, HEAD_MAX - have);
		if (n == 0)
			die("connection closed before the request", 0);
		have += (size_t)n;
		head[have] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	end += 4;
	if (strncmp(head, "GET /", 5) == 0) {
		int fd = open_path(head + 5, O_RDONLY);

		if (fd >= 0)
			serve_file(s, fd);
		else if (dir_fd >= 0 && !isdigit((unsigned char)head[5]))
			respond(s, "404 Not Found", 0);
		else
			serve_get(s, strtoull(head + 5, NULL, 10));
	} else if (strncmp(head, "PUT /", 5) == 0) {
		/* Bytes of the body that came with the head. */
		size_t extra = have - (size_t)(end - head);
		int fd = open_path(head + 5, O_WRONLY | O_CREAT | O_TRUNC);

		if (dir_fd >= 0 && !isdigit((unsigned char)head[5]) && fd < 0)
			die("file open", 0);
		/* The body's first bytes, moved before header() cuts the head. */
		memmove(chunk, end, extra);
		end[-2] = '\0';   /* header() must not look into the body */
		serve_put(s, chunk, extra, fd);
	} else {
		respond(s, "405 Method Not Allowed", 0);
	}
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	bool plain = argc == 3 && strcmp(argv[1], "--plain") == 0;
	int r;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("tls-bare (GnuTLS %s)\n", gnutls_check_version(NULL));
		return 0;
	}
	if (!plain && argc != 4 && argc != 5) {
		fprintf(stderr, "usage: tls-bare CERT KEY PRIORITY [DIR] | --plain DIR\n");
		return 2;
	}
	if ((argc == 5 || plain) &&
	    (dir_fd = open(argv[argc - 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(argv[argc - 1], 0);
	alarm(TIME_LIMIT_S);
	signal(SIGPIPE, SIG_IGN);

	if (!plain)
		s = handshake(argv[1], argv[2], argv[3], &cred);
	serve_request(s);
	if (plain)
		return 0;
	do
		r = gnutls_bye(s, GNUTLS_SHUT_WR);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	return 0;
}
