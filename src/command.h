/* SPDX-License-Identifier: ISC */
/* A command line split into its verb and argument. Pure. */
#pragma once
#include <stddef.h>

#define COMMAND_VERBS(X) \
	X(USER) X(PASS) X(ACCT) X(CWD) X(XCWD) X(CDUP) X(XCUP) X(PWD) X(XPWD) \
	X(QUIT) X(REIN) X(TYPE) X(STRU) X(MODE) X(PORT) X(PASV) X(EPRT) X(EPSV) \
	X(RETR) X(STOR) X(STOU) X(APPE) X(REST) X(SIZE) X(MDTM) X(RNFR) X(RNTO) \
	X(DELE) X(RMD) X(XRMD) X(MKD) X(XMKD) X(LIST) X(NLST) X(MLSD) X(MLST) \
	X(STAT) X(SYST) X(NOOP) X(HELP) X(FEAT) X(OPTS) X(HOST) X(ALLO) X(ABOR) \
	X(AUTH) X(PBSZ) X(PROT) X(CCC) X(MFMT)

enum verb {
	VERB_UNKNOWN = 0,
#define X(name) VERB_##name,
	COMMAND_VERBS(X)
#undef X
	VERB_COUNT
};

struct command {
	enum verb verb;
	char name[5];       /* the verb as sent, upper-cased (for replies and logs) */
	const char *arg;    /* points into the line; "" when there is none */
	size_t arg_len;
	int has_arg;
};

enum command_error {
	COMMAND_OK = 0,
	COMMAND_BAD_VERB = -1,   /* not 3-4 letters: 500 */
	COMMAND_NUL = -2,        /* a NUL byte in the line: 501 */
	COMMAND_CONTROL = -3,    /* CR or another control byte in the argument: 501 */
	COMMAND_NOT_UTF8 = -4,   /* argument is not UTF-8: 501 */
};

/* Splits line[0..len) (CRLF already removed). Verbs are case-insensitive;
 * one space separates verb and argument. */
enum command_error command_parse(const char *line, size_t len, struct command *ret);

/* Another protocol's opening line, sent to us by mistake or by a
 * cross-protocol attack (ALPACA, 2021): a browser's HTTP request or an
 * SMTP client's greeting relayed to the FTP port. */
enum foreign_protocol { FOREIGN_NONE, FOREIGN_HTTP, FOREIGN_SMTP };

/* Recognizes an HTTP request line ("GET /x HTTP/1.1", "PRI * HTTP/2.0")
 * or an SMTP command (EHLO, HELO, MAIL FROM:, RCPT TO:). Pure. */
enum foreign_protocol command_foreign_protocol(const char *line, size_t len);

/* The verb's canonical name, "" for VERB_UNKNOWN. */
const char *verb_name(enum verb verb);
