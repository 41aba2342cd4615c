/* SPDX-License-Identifier: ISC */
/* Deciding a login and carrying it out, apart (cmd_login.c): the monitor
 * of a privilege-separated session (monitor.c) decides with the same code
 * that an unseparated session uses, and becomes the account with it. */
#pragma once
#include "privs.h"
#include "session.h"
#include "users.h"

enum grant_kind { GRANT_ANONYMOUS, GRANT_VIRTUAL, GRANT_SYSTEM };

/* What a successful check allows: who to become, where. */
struct login_grant {
	enum grant_kind kind;
	struct user_entry entry;   /* GRANT_VIRTUAL: the users file's line */
	struct account account;    /* GRANT_SYSTEM: the passwd entry and groups */
	int code;                  /* 230, or 232 for a certificate login */
};

enum login_verdict {
	LOGIN_GRANTED,
	LOGIN_FAILED,     /* counts as a failed login */
	LOGIN_DECLINED,   /* refused without counting (an unusable home) */
};

/* PASS for s->user: anonymous, the users file, or (privileged, with
 * FTPSD_SYSTEM_USERS) a system account, whose home must be enterable.
 * Logs the reason of a refusal. */
enum login_verdict login_check_password(struct session *s, const char *password,
					struct login_grant *ret);

/* RFC 4217 §6: a users-file entry for s->user that accepts a login by the
 * verified client certificate the caller has matched to the name. */
bool login_check_certificate(struct session *s, struct login_grant *ret);

/* Becomes the granted account and starts its session (the 230 or 232
 * reply). 0, or -errno with the session ending or the login refused (the
 * reply is sent either way). */
int login_grant_apply(struct session *s, const struct login_grant *g);

/* A failed login: counts it, logs it, waits the growing delay (bounded by
 * the login deadline). true when it was the last one allowed. */
bool login_failure_count(struct session *s);

/* true when name is the anonymous login's (with FTPSD_ANONYMOUS=1). */
bool login_is_anonymous(const struct session *s, const char *name);
