/* SPDX-License-Identifier: ISC */
/* One FTP session: everything a command handler may read or change. */
#pragma once
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bounds.h"
#include "config.h"
#include "control.h"
#include "listing.h"
#include "privs.h"
#include "tls.h"
#include "quota.h"
#include "user_options.h"

struct xfer;

enum login_state { LOGIN_NONE, LOGIN_NEED_PASS, LOGIN_DONE };
enum data_mode { DATA_NONE, DATA_PASSIVE, DATA_ACTIVE };

/* What the command loop did with the control connection during a
 * transfer (struct session's serve_in_transfer). */
enum transfer_command {
	TRANSFER_COMMAND_NONE,     /* none has arrived yet */
	TRANSFER_COMMAND_SERVED,   /* one ran (or a too long line was answered) */
	TRANSFER_COMMAND_WAITS,    /* one that must wait for the transfer's end */
	TRANSFER_COMMAND_LOST,     /* the control connection ended */
};

struct session {
	const struct config *cfg;
	struct tls_server *tls;          /* NULL when TLS is not configured */
	int users_fd;                    /* the users file, opened before any privilege drop */
	const struct account *run_account;  /* FTPSD_RUN_USER, when started as root */
	bool privileged;                 /* root with the login capabilities (system users) */

	struct control ctrl;             /* the control connection (control.h) */
	bool have_peer;                  /* a socket: data connections are possible */
	struct sockaddr_storage peer, local;
	char peer_str[64];

	/* Login. */
	enum login_state login;
	char user[USER_NAME_MAX];
	bool anonymous;
	bool may_write;
	struct user_options opts;        /* the users file's options (policy.c); empty otherwise */
	struct quota quota;              /* quota-bytes=, quota-files= and the usage */
	/* FTPSD_LIST_OWNER=name: the session's own identity, named before
	 * any chroot; other ids stay numbers. */
	uid_t list_uid;
	gid_t list_gid;
	char list_user[USER_NAME_MAX], list_group[USER_NAME_MAX];
	unsigned login_failures;
	unsigned prelogin_commands;      /* lines received before login */
	int64_t login_deadline;          /* FTPSD_LOGIN_TIMEOUT, from connect or REIN */
	int base_root_fd;                /* FTPSD_ROOT */
	int anon_root_fd;                /* FTPSD_ANONYMOUS_ROOT, -1 when unset */
	int root_fd;                     /* the logged-in user's root, -1 before */
	char cwd[VPATH_MAX];

	/* Transfer parameters. */
	enum data_mode data_mode;
	int pasv_fd;                     /* passive listener, -1 if none */
	struct sockaddr_storage port_addr;  /* active target */
	bool epsv_all;
	bool ascii;
	uint64_t rest;
	bool has_rnfr;
	char rnfr[VPATH_MAX];
	unsigned mlst_facts;
	char host[256];                  /* the name given in HOST, "" if none */

	/* TLS (RFC 4217). */
	struct tls_info tls_info;        /* of the control connection */
	bool pbsz;
	bool prot_private;

	/* The transfer in progress while the command loop serves the
	 * commands allowed during one (ABOR, STAT), NULL otherwise. */
	struct xfer *transfer;
	/* Serves at most one command that arrived during a transfer: the
	 * command loop's (session_loop.c), called by the transfer loop below
	 * it. */
	enum transfer_command (*serve_in_transfer)(struct session *s);

	bool quit;                       /* session_end() was called */
	int exit_status;
};

/* Deadline for the next command: before login, the fixed moment by which
 * login must be complete (a client cannot stretch it with NOOPs); after,
 * the idle timeout from now. */
int64_t session_command_deadline(const struct session *s);

/* Forgets the login and everything tied to it (REIN, AUTH). */
void session_logout(struct session *s);

/* Closes a passive listener or forgets an active target. */
void session_clear_data(struct session *s);

/* Turns the control connection into TLS where it stands: after AUTH TLS,
 * or before the greeting in implicit mode. On failure the session ends. */
void session_start_tls(struct session *s);

/* Ends the session after the current command, with exit status status
 * (exit_status.h); the first failure's status is the one kept. */
void session_end(struct session *s, int status);

/* true when the session is over: session_end(), or a reply that could not
 * be sent. */
bool session_ending(const struct session *s);
