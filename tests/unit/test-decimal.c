/* SPDX-License-Identifier: ISC */
/* parse_decimal: the one decimal parser (REST, PORT fields, configuration
 * values, time-vals), one row per case. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static const struct {
	const char *in;
	uint64_t max;
	int ret;
	uint64_t want;
} cases[] = {
	{ "0", 10, 0, 0 },
	{ "7", 10, 0, 7 },
	{ "10", 10, 0, 10 },
	{ "11", 10, -ERANGE, 0 },
	{ "007", 10, 0, 7 },             /* leading zeros are digits */
	{ "", 10, -EINVAL, 0 },
	{ " 1", 10, -EINVAL, 0 },
	{ "1 ", 10, -EINVAL, 0 },
	{ "+1", 10, -EINVAL, 0 },
	{ "-1", 10, -EINVAL, 0 },
	{ "1x", 10, -EINVAL, 0 },
	{ "99x", 10, -EINVAL, 0 },       /* not a number before too large */
	{ "6", 5, -ERANGE, 0 },
	{ "5", 5, 0, 5 },
	{ "0", 0, 0, 0 },
	{ "1", 0, -ERANGE, 0 },
	{ "65535", 65535, 0, 65535 },    /* a port */
	{ "65536", 65535, -ERANGE, 0 },
	{ "9223372036854775807", INT64_MAX, 0, INT64_MAX },   /* the largest REST offset */
	{ "9223372036854775808", INT64_MAX, -ERANGE, 0 },
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -ERANGE, 0 },   /* would wrap */
	{ "99999999999999999999999", UINT64_MAX, -ERANGE, 0 },
};

int main(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint64_t v = 12345;
		int r = parse_decimal(cases[i].in, strlen(cases[i].in), cases[i].max, &v);

		is_int(r, cases[i].ret, "parse_decimal(\"%s\", max %llu)", cases[i].in,
		       (unsigned long long)cases[i].max);
		if (cases[i].ret == 0)
			ok(v == cases[i].want, "parse_decimal(\"%s\") = %llu", cases[i].in,
			   (unsigned long long)v);
		else
			ok(v == 12345, "parse_decimal(\"%s\") leaves the result alone", cases[i].in);
	}
	/* (p, len): digits past len are not read. */
	{
		uint64_t v = 0;

		is_int(parse_decimal("123x", 3, 1000, &v), 0, "len stops before the x");
		ok(v == 123, "len stops before the x: 123");
	}
	return done_testing();
}
