/* SPDX-License-Identifier: ISC */
/* USER, PASS, ACCT, REIN, QUIT: who the client is (RFC 959 §4.1.1). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "exit_status.h"
#include "fs.h"
#include "log.h"
#include "owner.h"
#include "login.h"
#include "privsep.h"
#include "policy.h"
#include "reply.h"
#include "sysauth.h"
#include "users.h"
#include "util.h"
#include "banned.h"

static bool is_anonymous_name(const char *name)
{
	return strcasecmp(name, "anonymous") == 0 || strcasecmp(name, "ftp") == 0;
}

bool login_is_anonymous(const struct session *s, const char *name)
{
	return s->cfg->anonymous && is_anonymous_name(name);
}

/* While still privileged (the monitor of a system-users session), a
 * virtual or anonymous login first becomes FTPSD_RUN_USER for good. */
static int drop_to_run_user(struct session *s)
{
	int r;

	if (!s->privileged)
		return 0;
	r = privs_become(s->run_account, false, NULL);
	if (r < 0) {
		log_msg(LOG_CRIT, "cannot become %s: %s", s->run_account->name, strerror(-r));
		reply(s, 421, "Service not available");
		session_end(s, EXIT_SYSTEM);
		return r;
	}
	s->privileged = false;
	return 0;
}

/* Completes a login: the user's root, write permission and the rest of
 * the user's options (opts: NULL for none), the 230 reply. */
static int start_session(struct session *s, const char *home, const struct user_options *opts,
			 bool anonymous, int code)
{
	int fd = s->base_root_fd;

	if (drop_to_run_user(s) < 0)
		return -EPERM;
	/* Only anonymous uploads are given away. */
	if (!anonymous)
		owner_close();

	if (anonymous && s->anon_root_fd >= 0)
		fd = s->anon_root_fd;
	if (home && *home) {
		fd = fs_open(s->base_root_fd, home, O_PATH | O_DIRECTORY, 0);
		if (fd < 0) {
			log_msg(LOG_ERR, "home %s of user %s: %s", home, s->user, strerror(-fd));
			reply(s, 530, "Login incorrect");
			return fd;
		}
	}
	s->root_fd = fd;
	s->login = LOGIN_DONE;
	s->anonymous = anonymous;
	policy_apply(s, opts, anonymous);
	copy_string(s->cwd, sizeof(s->cwd), "/");
	log_set_user(s->user);
	log_msg(LOG_INFO, "login of %s from %s%s", s->user, s->peer_str,
		code == 232 ? " by client certificate" : "");
	reply(s, code, "User %s logged in%s", s->user,
	      code == 232 ? ", authorized by certificate" : !s->may_write ? ", read-only" : "");
	return 0;
}

bool login_check_certificate(struct session *s, struct login_grant *ret)
{
	if (!s->cfg->tls_cert_login || !channel_is_tls(&s->ctrl.ch) || !s->tls_info.cert_verified ||
	    s->users_fd < 0)
		return false;
	if (users_find(s->users_fd, s->user, &ret->entry) != 0 ||
	    policy_login_refused(s, &ret->entry.opts, true))
		return false;
	ret->kind = GRANT_VIRTUAL;
	ret->code = 232;
	return true;
}

/* RFC 4217 §6: with a verified certificate that names the user, the
 * password may be waived. Never for anonymous. */
static bool certificate_login(struct session *s, struct login_grant *g)
{
	if (!s->cfg->tls_cert_login || !channel_is_tls(&s->ctrl.ch) ||
	    !tls_cert_names_user(channel_tls_session(&s->ctrl.ch), s->user))
		return false;
	return login_check_certificate(s, g);
}

/* FTPSD_TLS_REQUIRE (accounts, the default with a certificate): no
 * password of an account crosses in clear text. Refused at USER, before
 * the client sends it, and again at PASS (after CCC). */
static bool login_needs_tls(struct session *s)
{
	bool anonymous = login_is_anonymous(s, s->user);

	if (s->tls_info.active || !config_tls_required(s->cfg->tls_require, anonymous))
		return false;
	s->login = LOGIN_NONE;
	reply(s, 534, "Request denied for policy reasons: use AUTH TLS before logging in");
	return true;
}

void cmd_user(struct session *s, const struct command *c)
{
	struct login_grant g;

	if (s->login == LOGIN_DONE) {
		reply(s, 503, "Already logged in; use REIN to start over");
		return;
	}
	if (copy_string(s->user, sizeof(s->user), c->arg) < 0 || strchr(c->arg, ':')) {
		s->user[0] = '\0';
		reply(s, 501, "Bad user name");
		return;
	}
	if (login_needs_tls(s))
		return;
	s->login = LOGIN_NEED_PASS;
	if (login_is_anonymous(s, s->user)) {
		reply(s, 331, "Anonymous login: send your e-mail address as password");
		return;
	}
	if (privsep_active()) {
		/* The monitor decides; this process only vouches for the
		 * handshake it did (see SECURITY in ftpsd(8)). */
		if (s->cfg->tls_cert_login && channel_is_tls(&s->ctrl.ch) && s->tls_info.cert_verified &&
		    tls_cert_names_user(channel_tls_session(&s->ctrl.ch), s->user) &&
		    privsep_login(s, true, ""))
			return;
		reply(s, 331, "Password required for %s", s->user);
		return;
	}
	if (certificate_login(s, &g)) {
		start_session(s, g.entry.home, &g.entry.opts, false, 232);
		return;
	}
	reply(s, 331, "Password required for %s", s->user);
}

bool login_failure_count(struct session *s)
{
	unsigned shift = s->login_failures < 5 ? s->login_failures : 5;
	long ms = (long)LOGIN_DELAY_BASE_MS << shift;
	struct timespec delay;

	if (ms > LOGIN_DELAY_MAX_MS)
		ms = LOGIN_DELAY_MAX_MS;
	/* The delay, like every wait before login, ends by the login deadline. */
	if (ms > ms_until(s->login_deadline))
		ms = ms_until(s->login_deadline);
	delay.tv_sec = ms / 1000;
	delay.tv_nsec = (ms % 1000) * 1000000L;
	s->login_failures++;
	/* The address comes before the user name the client chose, so that a
	 * name like "x from 192.0.2.1" cannot frame another host in fail2ban. */
	log_msg(LOG_WARNING, "failed login from %s for user %s (%u of %u)", s->peer_str, s->user,
		s->login_failures, s->cfg->max_login_failures);
	while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
		;
	return s->login_failures >= s->cfg->max_login_failures;
}

/* A growing delay before each "login incorrect", and the end of the
 * session after FTPSD_MAX_LOGIN_FAILURES. */
static void login_failed(struct session *s)
{
	bool last = login_failure_count(s);

	s->login = LOGIN_NONE;
	if (last) {
		reply(s, 530, "Login incorrect; too many failures, closing connection");
		session_end(s, EXIT_SESSION_OK);
		return;
	}
	reply(s, 530, "Login incorrect");
}

/* A system account that may log in, and whose home can be entered. */
static enum login_verdict check_system(struct session *s, const char *password,
				       struct login_grant *g)
{
	const char *why = "";
	int fd;

	if (sysauth_check(s->user, password, &g->account, &why) < 0) {
		log_msg(LOG_NOTICE, "system account %s refused: %s", s->user, why);
		return LOGIN_FAILED;
	}
	/* A missing or unusable home is the account's problem, not a failed
	 * login: the session goes on. */
	fd = open(g->account.home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_msg(LOG_ERR, "home %s of system account %s: %s", g->account.home,
			g->account.name, strerror(errno));
		return LOGIN_DECLINED;
	}
	close(fd);
	g->kind = GRANT_SYSTEM;
	return LOGIN_GRANTED;
}

enum login_verdict login_check_password(struct session *s, const char *password,
					struct login_grant *g)
{
	int found;

	memset(g, 0, sizeof(*g));
	g->code = 230;
	if (login_is_anonymous(s, s->user)) {
		g->kind = GRANT_ANONYMOUS;
		return LOGIN_GRANTED;
	}
	/* An unknown name must cost what a known one does: the dummy check
	 * uses a hash of the file itself, read now (for every name alike),
	 * so that it follows an edited file. */
	if (s->users_fd >= 0 && users_dummy_hash(s->users_fd, g->entry.hash, sizeof(g->entry.hash)) == 0)
		password_set_dummy(g->entry.hash);
	found = s->users_fd >= 0 ? users_find(s->users_fd, s->user, &g->entry) : -ENOENT;
	if (found == 0) {
		/* The hash is computed before the policy is asked, so that a
		 * refusal takes the time of a wrong password. */
		if (password_matches(password, g->entry.hash) &&
		    !policy_login_refused(s, &g->entry.opts, false)) {
			g->kind = GRANT_VIRTUAL;
			return LOGIN_GRANTED;
		}
	} else if (found == -EINVAL) {
		/* Checked at start too: only an edit since then gets here. */
		log_msg(LOG_ERR, "the users file's entry for %s is malformed (ftpsd --check says why)",
			s->user);
		password_waste_time(password);
	} else if (s->cfg->system_users && s->privileged) {
		return check_system(s, password, g);
	} else {
		password_waste_time(password);
	}
	return LOGIN_FAILED;
}

/* A system account: chrooted to its home, with its uid, gid and groups.
 * The descriptors that lead outside the new root are closed. */
static int system_login(struct session *s, const struct account *a)
{
	int root_fd, r;

	policy_list_identity(s, a->name, a->uid, a->gid);
	r = privs_become(a, true, &root_fd);
	if (r < 0) {
		log_msg(LOG_CRIT, "cannot become %s (chroot to %s): %s", a->name, a->home, strerror(-r));
		reply(s, 421, "Service not available");
		session_end(s, EXIT_SYSTEM);
		return r;
	}
	s->privileged = false;
	if (s->base_root_fd >= 0)
		close(s->base_root_fd);
	if (s->users_fd >= 0)
		close(s->users_fd);
	if (s->anon_root_fd >= 0)
		close(s->anon_root_fd);
	s->anon_root_fd = -1;
	s->base_root_fd = root_fd;
	s->users_fd = -1;
	return start_session(s, NULL, NULL, false, 230);
}

int login_grant_apply(struct session *s, const struct login_grant *g)
{
	switch (g->kind) {
	case GRANT_ANONYMOUS:
		return start_session(s, NULL, NULL, true, 230);
	case GRANT_VIRTUAL:
		return start_session(s, g->entry.home, &g->entry.opts, false, g->code);
	case GRANT_SYSTEM:
		return system_login(s, &g->account);
	}
	return -EINVAL;
}

void cmd_pass(struct session *s, const struct command *c)
{
	struct login_grant g;

	if (s->login == LOGIN_DONE) {
		reply(s, 503, "Already logged in");
		return;
	}
	if (s->login != LOGIN_NEED_PASS) {
		reply(s, 503, "Login with USER first");
		return;
	}
	if (login_needs_tls(s))
		return;
	if (privsep_active()) {
		privsep_login(s, false, c->arg);
		return;
	}
	switch (login_check_password(s, c->arg, &g)) {
	case LOGIN_GRANTED:
		login_grant_apply(s, &g);
		return;
	case LOGIN_DECLINED:
		s->login = LOGIN_NONE;
		reply(s, 530, "Login incorrect");
		return;
	case LOGIN_FAILED:
		break;
	}
	login_failed(s);
}

void cmd_acct(struct session *s, const struct command *c)
{
	(void)c;
	reply(s, 202, "ACCT not needed");
}

void cmd_rein(struct session *s, const struct command *c)
{
	(void)c;
	/* A session that gave up root for one login cannot take another
	 * system account's identity: say so instead of pretending. */
	if (s->cfg->system_users && !s->privileged && s->login == LOGIN_DONE) {
		reply(s, 502, "REIN is not available after login here; reconnect");
		return;
	}
	session_logout(s);
	s->login_deadline = now_ms() + (int64_t)s->cfg->login_timeout * 1000;
	s->prelogin_commands = 0;
	reply(s, 220, "Ready for a new user");
}

void cmd_quit(struct session *s, const struct command *c)
{
	(void)c;
	reply(s, 221, "Goodbye");
	session_end(s, EXIT_SESSION_OK);
}
