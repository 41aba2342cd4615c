/* SPDX-License-Identifier: ISC */
/* Fuzz target: the usage file (src/usage.c), which anybody with a shell on
 * a user's account can write.
 *
 * Input: the file's bytes. Checks:
 *   - usage_parse on an exact-size copy (ASan sees a read past the end)
 *     returns 0 or -EINVAL only, and leaves the result alone on -EINVAL;
 *   - nothing longer than USAGE_FILE_MAX is accepted;
 *   - on 0 every value is within USAGE_VALUE_MAX and counted is positive,
 *     and usage_format gives back exactly the input (one spelling per
 *     value: nothing else parses);
 *   - usage_path_reserved on the input as a path never reads past its
 *     NUL. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *exact = malloc(size ? size : 1), *path = malloc(size + 1);
	struct usage u = { 1, 2, 3 };
	char back[USAGE_FILE_MAX + 1];
	int r;

	CHECK(exact && path);
	memcpy(exact, data, size);
	r = usage_parse(exact, size, &u);
	CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		int n;

		CHECK(size <= USAGE_FILE_MAX);
		CHECK(u.bytes <= USAGE_VALUE_MAX && u.files <= USAGE_VALUE_MAX && u.counted > 0);
		n = usage_format(&u, back, sizeof(back));
		CHECK(n > 0 && (size_t)n == size && memcmp(back, exact, size) == 0);
	} else {
		CHECK(u.bytes == 1 && u.files == 2 && u.counted == 3);
	}
	memcpy(path, data, size);
	path[size] = '\0';
	(void)usage_path_reserved(path);
	free(path);
	free(exact);
	return 0;
}
