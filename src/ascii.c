/* SPDX-License-Identifier: ISC */
#include "ascii.h"
#include "banned.h"

size_t ascii_to_network(struct ascii_state *st, const char *in, size_t n, size_t *used,
			char *out, size_t cap)
{
	size_t i = 0, k = 0;

	for (; i < n; i++) {
		bool add_cr = in[i] == '\n' && !st->cr;

		/* A byte goes out whole, with its CR, or waits for the next call. */
		if (cap - k < (add_cr ? 2u : 1u))
			break;
		if (add_cr)
			out[k++] = '\r';
		out[k++] = in[i];
		st->cr = in[i] == '\r';
	}
	*used = i;
	return k;
}

size_t ascii_from_network(struct ascii_state *st, const char *in, size_t n, size_t *used,
			  char *out, size_t cap)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (st->cr) {
			/* The held CR was not the start of CRLF: it is data. */
			if (in[i] != '\n') {
				if (k == cap)
					break;
				out[k++] = '\r';
			}
			st->cr = false;
		}
		if (in[i] == '\r') {
			st->cr = true;
			i++;
			continue;
		}
		if (k == cap)
			break;
		out[k++] = in[i++];
	}
	*used = i;
	return k;
}

size_t ascii_from_network_end(struct ascii_state *st, char *out, size_t cap)
{
	if (!st->cr || cap == 0)
		return 0;
	st->cr = false;
	out[0] = '\r';
	return 1;
}
