/* SPDX-License-Identifier: ISC */
/* TYPE A (RFC 959 §3.1.1.1): the conversions between the file's line ends
 * (LF) and the network's (CRLF). Pure and chunked: each call converts as
 * much of its input as fits in the output it is given, never more, and
 * says how much input it took; a state carries the CR that may end one
 * chunk into the next. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct ascii_state {
	bool cr;   /* to network: the last byte was CR; from network: a CR is held */
};

/* Local to network: LF becomes CRLF unless a CR already precedes it.
 * Writes at most cap bytes to out and returns how many; *used is the input
 * consumed (less than n only when out is full). */
size_t ascii_to_network(struct ascii_state *st, const char *in, size_t n, size_t *used,
			char *out, size_t cap);

/* Network to local: CRLF becomes LF, any other CR stays. A CR at the end of
 * the input is held in st until the next byte shows whether LF follows.
 * Same contract as ascii_to_network(). */
size_t ascii_from_network(struct ascii_state *st, const char *in, size_t n, size_t *used,
			  char *out, size_t cap);

/* At the end of the stream: the held CR, if any and if cap allows
 * (returns 0 or 1, the bytes written). */
size_t ascii_from_network_end(struct ascii_state *st, char *out, size_t cap);
