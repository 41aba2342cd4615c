/* SPDX-License-Identifier: ISC */
/* crypt-once: the least a login can cost.
 *
 *   crypt-once HASH PASSWORD
 *
 * One process that checks PASSWORD against HASH with crypt(3), as every
 * FTP server in the benchmark does at each login, and exits: 0 when it
 * matches, 1 when not, 2 on a usage error. Run under cpuwrap, its CPU is
 * the floor of a login session on the machine: exec, dynamic linking of
 * libcrypt and the hash, nothing else.
 */
#include <crypt.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct crypt_data data;
	const char *got;

	if (argc != 3) {
		fprintf(stderr, "usage: crypt-once HASH PASSWORD\n");
		return 2;
	}
	memset(&data, 0, sizeof data);
	got = crypt_r(argv[2], argv[1], &data);
	return got && strcmp(got, argv[1]) == 0 ? 0 : 1;
}
