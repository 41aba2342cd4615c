/* SPDX-License-Identifier: ISC */
/* The journal's native protocol over a datagram socket connected once, at
 * start. sd_journal_send() addresses /run/systemd/journal/socket by path
 * on every message, which a session chrooted to a home directory can no
 * longer reach; a connected socket keeps working. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Connects to the journal. 0 or -errno. */
int journal_open(const char *path);
bool journal_is_open(void);

struct journal_field {
	const char *name;    /* upper case, e.g. "MESSAGE" */
	const char *value;
};

/* Sends one record. Values may hold any bytes but NUL. 0 or -errno. */
int journal_send(const struct journal_field *fields, size_t n);

/* Serializes fields into buf in the native format; exposed for tests.
 * Returns the length, or -ENOSPC. */
long journal_format(char *buf, size_t size, const struct journal_field *fields, size_t n);
