/* SPDX-License-Identifier: ISC */
/* Every limit ftpsd puts on what a client controls, in one place. */
#pragma once

/* A command line, verb and argument, without CRLF (RFC 959 sets no limit). */
#define LINE_MAX_BYTES 4096
/* A normalized virtual path, as kept in the session and sent in replies. */
#define VPATH_MAX 4096
/* A user name, as given in USER. */
#define USER_NAME_MAX 256
/* One line of the users file. */
#define USERS_LINE_MAX 1024
/* A single reply line we format (replies quote at most one path). */
#define REPLY_LINE_MAX (VPATH_MAX * 2 + 128)
/* One formatted listing line: a name plus its facts. */
#define LISTING_LINE_MAX (1024 + 512)
/* Transfer buffer for reads, writes and TLS records. */
#define XFER_BUF_BYTES (256 * 1024)
/* Read-ahead of a TLS data connection: one recv() for many records. */
#define TLS_READ_AHEAD_BYTES (256 * 1024)
/* Write-behind of a TLS data connection: the records of one transfer
 * buffer (XFER_BUF_BYTES of plaintext, 16 records and their overhead). */
#define TLS_WRITE_BEHIND_BYTES (272 * 1024)
/* The most plaintext one TLS record carries (RFC 8446 §5.1). */
#define TLS_RECORD_PLAINTEXT_MAX 16384
/* Largest chunk handed to sendfile() per call. */
#define SENDFILE_CHUNK (4 * 1024 * 1024)
/* Unsent bytes a data socket queues in the kernel (TCP_NOTSENT_LOWAT);
 * data.c says why. */
#define DATA_NOTSENT_BYTES (64 * 1024)
/* Connections from a wrong address a passive listener logs one by one
 * (it refuses them all until the data deadline). */
#define PASV_LOGGED_STRANGERS 16
/* Commands a session may send before it is logged in (then 421). */
#define LOGIN_MAX_COMMANDS 100
/* After a plain upload's FIN, how long to watch for the client's death. */
#define UPLOAD_HANGUP_GRACE_MS 50
/* How long a TLS sender waits for the peer's close_notify after its own. */
#define TLS_BYE_WAIT_MS 2000
/* Descriptors a session may hold (RLIMIT_NOFILE): control, data, a
 * listener, a file, directories of a recursive listing, the journal. */
#define SESSION_MAX_FDS 64
/* LIST -R: how deep, and how many entries in all before it stops. */
#define LIST_MAX_DEPTH 8
#define LIST_MAX_ENTRIES 100000
/* Milliseconds of the first failed-login delay; each further failure doubles it. */
#define LOGIN_DELAY_BASE_MS 500
#define LOGIN_DELAY_MAX_MS 8000
