/* SPDX-License-Identifier: ISC */
/* The process's exit statuses, documented in ftpsd(8) (EXIT STATUS):
 * every file that decides one names it from here. */
#pragma once

enum exit_status {
	EXIT_SESSION_OK = 0,
	EXIT_SESSION_ERROR = 1,    /* the peer failed: TLS handshake, protocol */
	EXIT_CHECK_PROBLEMS = 1,   /* --check found problems */
	EXIT_USAGE = 2,
	EXIT_BAD_CONFIG = 100,
	EXIT_SYSTEM = 111,         /* the system failed us: privileges, resources */
};
