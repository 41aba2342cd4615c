/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exit_status.h"
#include "log.h"
#include "monitor.h"
#include "owner.h"
#include "privsep.h"
#include "privsep_proto.h"
#include "relay.h"
#include "reply.h"
#include "util.h"
#include "banned.h"

/* The pre-login process's end of the monitor's socket; -1 elsewhere. */
static int monitor_fd = -1;

bool privsep_active(void)
{
	return monitor_fd >= 0;
}

/* As root with CAP_SYS_CHROOT, then never again: a fresh directory under
 * /tmp (writable under inetd, and private and writable under the unit's
 * PrivateTmp=yes), entered, removed and made the root. A removed directory
 * stays empty for good (not even root can create an entry in it), nobody
 * else can reach it, and nothing is left behind to clean up. */
static int enter_jail(void)
{
	char dir[] = "/tmp/ftpsd-prelogin-XXXXXX";

	if (!mkdtemp(dir))
		return -errno;
	if (chdir(dir) < 0 || rmdir(dir) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		int e = errno;

		(void)rmdir(dir);
		return -e;
	}
	return 0;
}

/* The pre-login process: jailed, FTPSD_RUN_USER, no way back. */
static int become_prelogin(struct session *s, const struct account *run)
{
	int r = enter_jail();

	if (r < 0) {
		log_msg(LOG_CRIT, "cannot make the pre-login process's empty root under /tmp: %s",
			strerror(-r));
		return r;
	}
	/* Whatever leads outside the jail goes before the network is read. */
	if (s->users_fd >= 0)
		close(s->users_fd);
	if (s->base_root_fd >= 0)
		close(s->base_root_fd);
	if (s->anon_root_fd >= 0)
		close(s->anon_root_fd);
	s->users_fd = s->base_root_fd = s->anon_root_fd = -1;
	owner_close();   /* the owner helper is the logged-in process's */
	r = privs_become(run, false, NULL);
	if (r < 0) {
		log_msg(LOG_CRIT, "cannot become %s before login: %s", run->name, strerror(-r));
		return r;
	}
	s->privileged = false;
	/* Not even a process of the same account may look inside, and the
	 * process goes when the monitor does. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	if (getppid() == 1)
		return -ESRCH;
	return 0;
}

enum privsep_side privsep_split(struct session *s, const struct account *run, int *ret_status)
{
	int sv[2];
	pid_t pid;

	*ret_status = EXIT_SYSTEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_msg(LOG_CRIT, "cannot create the monitor's socket: %s", strerror(errno));
		return PRIVSEP_ENDED;
	}
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_CRIT, "cannot fork the pre-login process: %s", strerror(errno));
		return PRIVSEP_ENDED;
	}
	if (pid == 0) {
		log_set_session_pid((long)getppid());
		close(sv[0]);
		if (become_prelogin(s, run) < 0)
			_exit(EXIT_SYSTEM);
		monitor_fd = sv[1];
		return PRIVSEP_PRELOGIN;
	}
	close(sv[1]);
	*ret_status = monitor_run(s, sv[0], pid);
	return *ret_status == MONITOR_LOGGED_IN ? PRIVSEP_LOGGED_IN : PRIVSEP_ENDED;
}

void privsep_finish(const struct session *s)
{
	/* QUIT sets quit, and a timeout or a stop replies 421 last; only the
	 * end of the client's input ends a session without either. */
	monitor_finish(!s->quit && s->ctrl.last_code != 421);
}

/* The request for s->user, with the state the logged-in side goes on from. */
static int make_request(struct session *s, bool certificate, const char *password,
			unsigned char *buf, size_t cap, size_t *len)
{
	static struct ps_login m;
	size_t pending;
	const unsigned char *unread = control_unread(&s->ctrl, &pending);

	memset(&m, 0, sizeof(m));
	m.method = certificate ? PS_METHOD_CERTIFICATE : PS_METHOD_PASSWORD;
	if (copy_string(m.user, sizeof(m.user), s->user) < 0 ||
	    copy_string(m.password, sizeof(m.password), password) < 0 || pending > sizeof(m.input))
		return -EINVAL;
	m.tls_active = s->tls_info.active;
	m.cert_verified = s->tls_info.cert_verified;
	copy_string(m.tls_version, sizeof(m.tls_version), s->tls_info.version);
	copy_string(m.tls_cipher, sizeof(m.tls_cipher), s->tls_info.cipher);
	copy_string(m.tls_subject, sizeof(m.tls_subject), s->tls_info.subject);
	copy_string(m.tls_sni, sizeof(m.tls_sni), s->tls_info.sni);
	m.pbsz = s->pbsz;
	m.prot_private = s->prot_private;
	copy_string(m.host, sizeof(m.host), s->host);
	m.have_peer = s->have_peer;
	m.peer = s->peer;
	m.local = s->local;
	memcpy(m.input, unread, pending);
	m.input_len = pending;
	if (channel_is_tls(&s->ctrl.ch) &&
	    tls_cache_export(s->tls, channel_tls_session(&s->ctrl.ch), m.tls_cache, sizeof(m.tls_cache),
			     &m.tls_cache_len) < 0)
		m.tls_cache_len = 0;   /* too large: that client's data connections cannot resume */
	return ps_encode_login(&m, buf, cap, len);
}

/* The monitor's verdict, and with a login over TLS the two descriptors
 * of the relay. */
static int await_verdict(enum ps_verdict *v, int fds[2], int64_t deadline)
{
	unsigned char buf[16];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			     .msg_controllen = sizeof(ctl.space) };
	struct cmsghdr *cm;
	ssize_t n;
	int r;

	fds[0] = fds[1] = -1;
	r = wait_readable(monitor_fd, deadline);
	if (r < 0)
		return r;
	n = recvmsg(monitor_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(2 * sizeof(int)))
		memcpy(fds, CMSG_DATA(cm), 2 * sizeof(int));
	return ps_decode_verdict(buf, (size_t)n, v);
}

/* Logged in: over plaintext the monitor's side has the control socket
 * already and this process simply ends, having touched nothing; over TLS
 * it relays. */
static __attribute__((noreturn)) void hand_over(struct session *s, int fds[2])
{
	if (!s->tls_info.active)
		_exit(EXIT_SESSION_OK);
	if (fds[0] < 0 || fds[1] < 0) {
		log_msg(LOG_ERR, "the monitor sent no relay descriptors");
		_exit(EXIT_SYSTEM);
	}
	close(monitor_fd);
	log_set_user(s->user);
	_exit(relay_run(s, fds[0], fds[1]));
}

bool privsep_login(struct session *s, bool certificate, const char *password)
{
	static unsigned char buf[PS_MSG_MAX];
	enum ps_verdict v = PS_FAILED;
	size_t len = 0;
	int fds[2], r;

	r = make_request(s, certificate, password, buf, sizeof(buf), &len);
	if (r == 0 && send(monitor_fd, buf, len, MSG_NOSIGNAL) < 0)
		r = -errno;
	/* The monitor's delay after a failure ends by the login deadline. */
	if (r == 0)
		r = await_verdict(&v, fds, s->login_deadline + MONITOR_GRACE_MS);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0) {
		log_msg(LOG_ERR, "login request to the monitor: %s", strerror(-r));
		reply(s, 421, "Service not available");
		session_end(s, EXIT_SYSTEM);
		return true;
	}
	switch (v) {
	case PS_OK:
		hand_over(s, fds);
	case PS_DECLINED:
		if (certificate)
			return false;
		s->login = LOGIN_NONE;
		reply(s, 530, "Login incorrect");
		return true;
	case PS_FAILED:
		s->login = LOGIN_NONE;
		reply(s, 530, "Login incorrect");
		return true;
	case PS_FAILED_LAST:
		s->login = LOGIN_NONE;
		reply(s, 530, "Login incorrect; too many failures, closing connection");
		session_end(s, EXIT_SESSION_OK);
		return true;
	}
	return true;
}

#ifdef FTPSD_PRIVSEP_ATTACK_TESTS
/* Each attack: 0 when it was refused (errno says how), 1 when it worked. */
static int attack(const char *name)
{
	if (strcasecmp(name, "SHADOW") == 0) {
		int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);

		return fd >= 0;
	}
	if (strcasecmp(name, "WRITE") == 0) {
		int fd = open("/etc/ftpsd-attack-proof", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			fd = open("/ftpsd-attack-proof", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		return fd >= 0;
	}
	if (strcasecmp(name, "SETUID") == 0)
		return setuid(0) == 0 || seteuid(0) == 0;
	if (strcasecmp(name, "PTRACE") == 0)
		return ptrace(PTRACE_ATTACH, getppid(), NULL, NULL) == 0;
	errno = EINVAL;
	return 0;
}

/* A verdict where a request belongs: the monitor must end the session
 * (this process is killed before it can say anything). */
static void forge_verdict(void)
{
	unsigned char buf[2];
	size_t len;

	if (ps_encode_verdict(PS_OK, buf, sizeof(buf), &len) == 0)
		(void)send(monitor_fd, buf, len, MSG_NOSIGNAL);
	(void)poll(&(struct pollfd){ .fd = monitor_fd, .events = POLLIN }, 1, 5000);
}

bool privsep_attack(struct session *s, const char *line)
{
	const char *name;
	int worked;

	if (strncasecmp(line, "XATK ", 5) != 0 || !privsep_active())
		return false;
	name = line + 5;
	log_msg(LOG_WARNING, "attack test: %s", name);
	if (strcasecmp(name, "FORGE") == 0) {
		forge_verdict();
		reply(s, 599, "attack FORGE: the monitor did not end the session");
	} else {
		errno = 0;
		worked = attack(name);
		if (worked)
			reply(s, 299, "attack %s WORKED", name);
		else
			reply(s, 599, "attack %s refused: %s", name, strerror(errno));
	}
	session_end(s, EXIT_SESSION_OK);
	return true;
}
#endif
