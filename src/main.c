/* SPDX-License-Identifier: ISC */
/* ftpsd: one FTP/FTPS session on the connection inetd or systemd gives
 * us. Environment → configuration → root, users file and TLS credentials
 * → the session. The only caller of exit(). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "banner.h"
#include "bounds.h"
#include "check.h"
#include "config.h"
#include "exit_status.h"
#include "hostport.h"
#include "log.h"
#include "owner.h"
#include "privs.h"
#include "privsep.h"
#include "proxy_session.h"
#include "resolve.h"
#include "policy.h"
#include "reply.h"
#include "session_loop.h"
#include "tls.h"
#include "users.h"
#include "util.h"
#include "banned.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ftpsd [--check | --help | --version]\n"
		"\n"
		"FTP and FTPS (RFC 4217) server for one connection, started by systemd\n"
		"(Accept=yes), xinetd or inetd with the client's socket on stdin/stdout\n"
		"(or fd 3 with LISTEN_FDS=1). Configured by FTPSD_* environment variables;\n"
		"see ftpsd(8).\n"
		"\n"
		"  --check    validate the environment and the files it names, print\n"
		"             every problem, exit 0 if all is well and 1 if not\n"
		"  --help     this text\n"
		"  --version  the version\n");
}

/* What a session needs that comes from configuration. */
struct setup {
	struct config cfg;
	struct config_errors errs;
	struct config_errors warnings;   /* --check only */
	int root_fd;
	int anon_root_fd;             /* FTPSD_ANONYMOUS_ROOT, -1 when unset */
	int users_fd;
	struct tls_server *tls;
	char tls_warning[320];
	int openat2_error;            /* 0, or why openat2() cannot be used */
	bool root;
	struct account run_account;   /* FTPSD_RUN_USER, when root */
	struct banner banner;         /* FTPSD_BANNER_FILE's lines; count 0 when unset */
	bool run_account_ok;
	struct owner_id upload_owner; /* FTPSD_ANONYMOUS_UPLOAD_OWNER's ids, when set */
};

static void check_root(struct setup *su)
{
	struct stat st;

	su->root_fd = open(su->cfg.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (su->root_fd < 0 || fstat(su->root_fd, &st) < 0)
		config_error(&su->errs, "FTPSD_ROOT=%s: %s", su->cfg.root, strerror(errno));
	su->anon_root_fd = -1;
	if (!su->cfg.anonymous_root)
		return;
	su->anon_root_fd = open(su->cfg.anonymous_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (su->anon_root_fd < 0)
		config_error(&su->errs, "FTPSD_ANONYMOUS_ROOT=%s: %s", su->cfg.anonymous_root,
			     strerror(errno));
}

/* FTPSD_BANNER_FILE is read here, as root and before any TLS handshake,
 * so that implicit FTPS greets with it too. */
static void check_banner(struct setup *su)
{
	/* One byte past the limit, to tell a file that is too large. */
	char buf[BANNER_FILE_MAX + 1], why[128];
	ssize_t n = -1, r = 1;
	int fd;

	if (!su->cfg.banner_file)
		return;
	fd = open(su->cfg.banner_file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		for (n = 0; (size_t)n < sizeof(buf) && r > 0; n += r > 0 ? r : 0)
			while ((r = read(fd, buf + n, sizeof(buf) - (size_t)n)) < 0 && errno == EINTR)
				;
		if (r < 0)
			n = -1;
		close(fd);
	}
	if (n < 0) {
		config_error(&su->errs, "FTPSD_BANNER_FILE=%s: %s", su->cfg.banner_file, strerror(errno));
		return;
	}
	if (banner_parse(buf, (size_t)n, &su->banner, why, sizeof(why)) < 0)
		config_error(&su->errs, "FTPSD_BANNER_FILE=%s: %s", su->cfg.banner_file, why);
}

static void check_users(struct setup *su)
{
	su->users_fd = -1;
	if (!su->cfg.users_file)
		return;
	su->users_fd = open(su->cfg.users_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (su->users_fd < 0) {
		config_error(&su->errs, "FTPSD_USERS=%s: %s", su->cfg.users_file, strerror(errno));
		return;
	}
	users_check(su->users_fd, su->cfg.users_file, &su->errs);
}

static void check_tls(struct setup *su, bool thorough)
{
	char err[320] = "";

	if (!su->cfg.tls_cert || !su->cfg.tls_key)
		return;
	if (thorough) {
		unsigned before = su->errs.count;

		tls_check_each(&su->cfg, &su->errs, &su->warnings);
		if (su->errs.count > before)
			return;
	} else if (tls_check_credentials(&su->cfg, err, sizeof(err)) < 0) {
		/* An expired certificate fails --check; a session still serves
		 * it, with a warning, rather than leave every client without FTPS. */
		snprintf(su->tls_warning, sizeof(su->tls_warning), "%s", err);
	}
	err[0] = '\0';
	su->tls = tls_server_new(&su->cfg, err, sizeof(err));
	if (!su->tls)
		config_error(&su->errs, "%s", err);
	else if (err[0])
		snprintf(su->tls_warning, sizeof(su->tls_warning), "%s", err);
}

/* Who the session will run as. Root serves nobody: virtual and anonymous
 * users run as FTPSD_RUN_USER, system accounts as themselves. */
static void check_accounts(struct setup *su)
{
	su->root = privs_are_root();
	if (!su->root) {
		if (su->cfg.system_users)
			config_error(&su->errs, "FTPSD_SYSTEM_USERS=1 needs ftpsd to start as root");
		return;
	}
	if (!su->cfg.run_user)
		return;   /* already reported as invalid */
	if (account_lookup(su->cfg.run_user, &su->run_account) < 0)
		config_error(&su->errs,
			     "FTPSD_RUN_USER=%s: no such account (create it: useradd --system "
			     "--no-create-home --shell /usr/sbin/nologin %s)",
			     su->cfg.run_user, su->cfg.run_user);
	else if (su->run_account.uid == 0)
		config_error(&su->errs, "FTPSD_RUN_USER=%s: the account has uid 0", su->cfg.run_user);
	else
		su->run_account_ok = true;
}

/* FTPSD_ANONYMOUS_UPLOAD_OWNER: the names, looked up now; giving a file
 * away takes root's CAP_CHOWN, kept by the owner helper alone. */
static void check_upload_owner(struct setup *su)
{
	const char *spec = su->cfg.anonymous_upload_owner;
	char why[160];

	if (!spec)
		return;
	if (!su->root)
		config_error(&su->errs, "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s needs ftpsd to start as root: "
			     "only root can give a file to another user", spec);
	else if (!privs_have_chown())
		config_error(&su->errs, "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s needs CAP_CHOWN, which ftpsd "
			     "was started without (add it to the unit's CapabilityBoundingSet=)", spec);
	else if (owner_lookup(spec, &su->upload_owner, why, sizeof(why)) < 0)
		config_error(&su->errs, "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s: %s", spec, why);
}

/* FTPSD_PASV_ADDRESS given as a host name (a dynamic-DNS host): resolved
 * once per session, now, while the resolver's files and sockets can
 * still be reached; the session announces that address. */
static void resolve_pasv_host(struct setup *su)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int r;

	if (!su->cfg.pasv_host)
		return;
	r = getaddrinfo(su->cfg.pasv_host, NULL, &hints, &res);
	if (r != 0 || !res) {
		config_error(&su->errs, "FTPSD_PASV_ADDRESS=%s: the name does not resolve to an IPv4 "
			     "address (%s)", su->cfg.pasv_host,
			     r == EAI_SYSTEM ? strerror(errno) : r ? gai_strerror(r) : "no address");
		return;
	}
	su->cfg.pasv_address = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
	su->cfg.has_pasv_address = true;
	freeaddrinfo(res);
}

/* openat2() can be missing (kernel < 5.6) or blocked by a seccomp filter
 * (ENOSYS from RestrictSUIDSGID=yes or an older container profile, EPERM
 * from SystemCallFilter=): then every path is walked by resolve.c. */
static void check_resolver(struct setup *su)
{
	su->openat2_error = resolve_probe_openat2();
	resolve_set_walk(su->openat2_error < 0);
}

static void describe_resolver(const struct setup *su, char *buf, size_t size)
{
	if (su->openat2_error == 0)
		snprintf(buf, size, "paths are resolved with openat2(RESOLVE_IN_ROOT)");
	else
		snprintf(buf, size,
			 "openat2() is unavailable (%s): paths are resolved one component "
			 "at a time beneath the root (see PATH RESOLUTION in ftpsd(8))",
			 strerror(-su->openat2_error));
}

/* Reads and checks everything; errors collect in su->errs. */
static void setup_load(struct setup *su, bool thorough)
{
	memset(su, 0, sizeof(*su));
	su->root_fd = su->users_fd = su->anon_root_fd = -1;
	/* Errors are collected, not fatal here: --check reports them all. */
	(void)config_from_env(&su->cfg, &su->errs);
	resolve_pasv_host(su);
	check_root(su);
	check_users(su);
	check_banner(su);
	check_tls(su, thorough);
	check_accounts(su);
	check_upload_owner(su);
	check_resolver(su);
}

static int run_check(void)
{
	struct setup su;
	char resolver[256];

	setup_load(&su, true);
	/* What sessions would meet later, found now: as the account they
	 * run as (when root and that account exists), else as ourselves. */
	if (!su.root || su.run_account_ok)
		check_access(&su.cfg, su.root_fd, su.users_fd, su.root ? &su.run_account : NULL,
			     &su.errs);
	if (su.cfg.users_file)
		check_users_file(su.cfg.users_file, su.users_fd, &su.warnings);
	describe_resolver(&su, resolver, sizeof(resolver));
	printf("ftpsd: %s\n", resolver);
	fflush(stdout);
	for (unsigned i = 0; i < su.errs.count; i++)
		fprintf(stderr, "ftpsd: %s\n", su.errs.text[i]);
	for (unsigned i = 0; i < su.warnings.count; i++)
		fprintf(stderr, "ftpsd: warning: %s\n", su.warnings.text[i]);
	if (su.tls_warning[0])
		fprintf(stderr, "ftpsd: warning: %s\n", su.tls_warning);
	if (su.users_fd >= 0) {
		char warning[CONFIG_ERROR_LEN];

		if (users_check_methods(su.users_fd, warning, sizeof(warning)) > 1)
			fprintf(stderr, "ftpsd: warning: FTPSD_USERS=%s: %s\n", su.cfg.users_file, warning);
	}
	tls_server_free(su.tls);
	if (su.root_fd >= 0)
		close(su.root_fd);
	if (su.anon_root_fd >= 0)
		close(su.anon_root_fd);
	if (su.users_fd >= 0)
		close(su.users_fd);
	if (su.errs.count)
		return EXIT_CHECK_PROBLEMS;
	printf("ftpsd: configuration ok\n");
	return EXIT_SESSION_OK;
}

/* The control connection: fd 3 under systemd's LISTEN_FDS=1 protocol
 * (sd_listen_fds checks LISTEN_PID is us), otherwise the inetd
 * convention 0 and 1. */
static void control_fds(int *rfd, int *wfd)
{
	*rfd = 0;
	*wfd = 1;
	if (sd_listen_fds(1) == 1)
		*rfd = *wfd = SD_LISTEN_FDS_START;
}

static void harden_process(const struct config *cfg)
{
	struct rlimit none = { 0, 0 };
	struct rlimit fds = { SESSION_MAX_FDS, SESSION_MAX_FDS };

	/* A core dump could hold passwords and key material. */
	setrlimit(RLIMIT_CORE, &none);
	/* One session needs a handful of descriptors; a bug must not find
	 * thousands. */
	setrlimit(RLIMIT_NOFILE, &fds);
	if (cfg->max_file_size) {
		struct rlimit fsize = { cfg->max_file_size, cfg->max_file_size };

		setrlimit(RLIMIT_FSIZE, &fsize);
	}
	/* Errors, not signals: EPIPE ends a transfer, EFBIG an upload (552). */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	umask(cfg->umask);
}

static void init_peer(struct session *s)
{
	socklen_t len = sizeof(s->peer);
	int one = 1;

	s->have_peer = getpeername(s->ctrl.ch.rfd, (struct sockaddr *)&s->peer, &len) == 0 &&
		       (s->peer.ss_family == AF_INET || s->peer.ss_family == AF_INET6);
	len = sizeof(s->local);
	if (s->have_peer && getsockname(s->ctrl.ch.rfd, (struct sockaddr *)&s->local, &len) < 0)
		s->have_peer = false;
	if (s->have_peer) {
		sockaddr_host_string(&s->peer, s->peer_str, sizeof(s->peer_str));
		/* ABOR may come as TCP urgent data (RFC 959 §4.1.3): take it
		 * in line with the rest of the command. */
		setsockopt(s->ctrl.ch.rfd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
		/* Replies are complete messages: Nagle would hold a TLS ticket
		 * record and the 226 behind it for the client's delayed ACK. */
		setsockopt(s->ctrl.ch.rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else {
		snprintf(s->peer_str, sizeof(s->peer_str), "local");
	}
	log_set_peer(s->peer_str);
	fd_set_nonblocking(s->ctrl.ch.rfd, true);
	if (s->ctrl.ch.wfd != s->ctrl.ch.rfd)
		fd_set_nonblocking(s->ctrl.ch.wfd, true);
}

/* Gives up what the session does not need before it reads a byte from
 * the network. 0, or -errno (the session must not start). */
static int drop_privileges(struct setup *su, bool *ret_privileged)
{
	int r;

	*ret_privileged = false;
	if (!su->root)
		return privs_limit(false);
	/* The owner helper starts as root, and before the privilege
	 * separation splits: only the logged-in process holds its socket. */
	if (su->cfg.anonymous_upload_owner) {
		r = owner_start(&su->upload_owner, &su->run_account);
		if (r < 0) {
			log_msg(LOG_CRIT, "cannot start the upload owner helper: %s", strerror(-r));
			return r;
		}
	}
	r = privs_limit(true);
	if (r < 0)
		return r;
	if (!su->cfg.system_users)
		return privs_become(&su->run_account, false, NULL);
	*ret_privileged = true;
	return 0;
}

static void log_session_end(const struct session *s)
{
	if (!s->tls_info.active) {
		log_msg(LOG_INFO, "session end (plaintext)");
		return;
	}
	log_tls_summary(LOG_INFO, "session end (", &s->tls_info, ")");
}

/* The session as it starts: the setup's resources, nobody logged in. */
static void init_session(struct session *s, struct setup *su, bool privileged, int rfd, int wfd)
{
	memset(s, 0, sizeof(*s));
	s->cfg = &su->cfg;
	s->tls = su->tls;
	s->users_fd = su->users_fd;
	s->run_account = &su->run_account;
	s->privileged = privileged;
	s->base_root_fd = su->root_fd;
	s->anon_root_fd = su->anon_root_fd;
	if (su->root && su->run_account_ok) {
		policy_list_identity(s, su->run_account.name, su->run_account.uid, su->run_account.gid);
	} else if (!su->root) {
		struct passwd pw, *found = NULL;
		char pwbuf[4096];

		if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found)
			policy_list_identity(s, found->pw_name, found->pw_uid, getegid());
	}
	s->root_fd = -1;
	s->pasv_fd = -1;
	s->mlst_facts = FACT_ALL;
	s->login_deadline = now_ms() + (int64_t)su->cfg.login_timeout * 1000;
	control_init(&s->ctrl, rfd, wfd);
}

/* The session's first record, with what the setup wants said once per
 * session (a TLS file warning, how paths are confined). */
static void log_session_start(const struct setup *su, const struct session *s)
{
	log_msg(LOG_INFO, "session start from %s", s->peer_str);
	if (su->tls_warning[0])
		log_msg(LOG_WARNING, "%s", su->tls_warning);
	if (su->openat2_error < 0) {
		char resolver[256];

		describe_resolver(su, resolver, sizeof(resolver));
		log_msg(LOG_NOTICE, "%s", resolver);
	}
}

/* 220: FTPSD_BANNER_FILE's lines first, FTPSD_BANNER last. */
static void greet(const struct setup *su, struct session *s)
{
	if (su->banner.count) {
		reply_begin(s, 220, "%s", su->banner.line[0]);
		for (unsigned i = 1; i < su->banner.count; i++)
			reply_more(s, "%s", su->banner.line[i]);
	}
	reply(s, 220, "%s", su->cfg.banner);
}

static int serve(struct setup *su, int rfd, int wfd)
{
	static struct session s;
	int r, status;
	bool privileged;

	r = drop_privileges(su, &privileged);
	if (r < 0) {
		log_msg(LOG_CRIT, "cannot drop privileges: %s", strerror(-r));
		return EXIT_SYSTEM;
	}

	init_session(&s, su, privileged, rfd, wfd);
	init_peer(&s);
	/* System accounts: the monitor keeps the privileges, and a jailed
	 * child without any reads the network (privsep.h). */
	switch (privileged ? privsep_split(&s, &su->run_account, &status) : PRIVSEP_PRELOGIN) {
	case PRIVSEP_PRELOGIN:
		break;
	case PRIVSEP_ENDED:
		return status;
	case PRIVSEP_LOGGED_IN:
		s.exit_status = session_run(&s);
		log_session_end(&s);
		privsep_finish(&s);
		return s.exit_status;
	}
	switch (proxy_session_start(&s)) {
	case PROXY_START_CLIENT:
		break;
	case PROXY_START_LOCAL:
		return EXIT_SESSION_OK;
	case PROXY_START_REFUSED:
		return EXIT_SESSION_ERROR;
	}
	session_logout(&s);
	log_session_start(su, &s);
	if (su->cfg.tls_implicit) {
		session_start_tls(&s);
		if (session_ending(&s))
			return EXIT_SESSION_ERROR;
		/* Implicit FTPS clients expect protected data without asking. */
		s.pbsz = true;
		s.prot_private = true;
	}
	greet(su, &s);
	s.exit_status = session_run(&s);
	log_session_end(&s);
	return s.exit_status;
}

/* A bad configuration: the client hears 421, the log hears every reason. */
static int refuse(const struct setup *su, int wfd)
{
	static const char msg[] = "421 Service not available: server configuration error\r\n";

	for (unsigned i = 0; i < su->errs.count; i++)
		log_msg(LOG_ERR, "configuration: %s", su->errs.text[i]);
	(void)!write(wfd, msg, sizeof(msg) - 1);
	return EXIT_BAD_CONFIG;
}

int main(int argc, char **argv)
{
	static struct setup su;
	int rfd, wfd;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0) {
			usage(stdout);
			return EXIT_SESSION_OK;
		}
		if (strcmp(argv[1], "--version") == 0) {
			printf("ftpsd %s\n", PACKAGE_VERSION);
			return EXIT_SESSION_OK;
		}
		if (strcmp(argv[1], "--check") == 0)
			return run_check();
		usage(stderr);
		return EXIT_USAGE;
	}
	setup_load(&su, false);
	harden_process(&su.cfg);
	control_fds(&rfd, &wfd);
	/* Logging is set up before any privilege drop or chroot: the
	 * journal's socket is connected now, while it can be reached. */
	log_init(su.cfg.log, rfd);
	if (su.errs.count)
		return refuse(&su, wfd);
	return serve(&su, rfd, wfd);
}
