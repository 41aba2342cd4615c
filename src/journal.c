/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"
#include "banned.h"

static int journal_fd = -1;

int journal_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	journal_fd = fd;
	return 0;
}

bool journal_is_open(void)
{
	return journal_fd >= 0;
}

static int put(char *buf, size_t size, size_t *n, const void *p, size_t len)
{
	if (len > size - *n)
		return -ENOSPC;
	memcpy(buf + *n, p, len);
	*n += len;
	return 0;
}

long journal_format(char *buf, size_t size, const struct journal_field *fields, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = fields[i].name, *value = fields[i].value ? fields[i].value : "";
		size_t vlen = strlen(value);
		int r = put(buf, size, &off, name, strlen(name));

		if (r == 0 && !memchr(value, '\n', vlen)) {
			/* NAME=value\n */
			r = put(buf, size, &off, "=", 1);
			if (r == 0)
				r = put(buf, size, &off, value, vlen);
		} else if (r == 0) {
			/* NAME\n, 64-bit little-endian length, value: the form for
			 * values that contain newlines. */
			unsigned char le[8];
			uint64_t v = vlen;

			for (int k = 0; k < 8; k++)
				le[k] = (unsigned char)(v >> (8 * k));
			r = put(buf, size, &off, "\n", 1);
			if (r == 0)
				r = put(buf, size, &off, le, sizeof(le));
			if (r == 0)
				r = put(buf, size, &off, value, vlen);
		}
		if (r == 0)
			r = put(buf, size, &off, "\n", 1);
		if (r < 0)
			return r;
	}
	return (long)off;
}

int journal_send(const struct journal_field *fields, size_t n)
{
	char buf[16384];
	long len;

	if (journal_fd < 0)
		return -ENOTCONN;
	len = journal_format(buf, sizeof(buf), fields, n);
	if (len < 0)
		return (int)len;
	return send(journal_fd, buf, (size_t)len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}
