/* SPDX-License-Identifier: ISC */
/* What ftpsd --check verifies beyond the values of the variables: that
 * the account sessions run as can use the served tree, and what is
 * dubious in the users file. Each finding would otherwise show only
 * later, as a "530 Login incorrect" or a 550 on every command. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fs.h"
#include "users.h"
#include "banned.h"

/* Calls fn for every well-formed entry of the users file, with its line
 * number. Malformed lines are users_check's to report. */
static void each_user(int users_fd, void (*fn)(const struct user_entry *e, unsigned lineno, void *ctx),
		      void *ctx)
{
	int fd = dup(users_fd);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	static struct user_entry e;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewind(f);
	while ((len = getline(&line, &cap, f)) >= 0) {
		const char *why;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if ((size_t)len < USERS_LINE_MAX && users_parse_line(line, (size_t)len, &e, &why) == 0)
			fn(&e, lineno, ctx);
	}
	free(line);
	fclose(f);
}

struct access_ctx {
	const struct config *cfg;
	int root_fd;
	const char *who;
	struct config_errors *errs;
};

/* Opens dir (beneath the root, as a session would) and tries what a
 * session will do there. NULL, or the reason it cannot. */
static const char *try_dir(struct access_ctx *a, const char *home, bool need_write, int *ret_err)
{
	int fd = home && *home ? fs_open(a->root_fd, home, O_RDONLY | O_DIRECTORY, 0)
			       : openat(a->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *what = NULL;

	if (fd < 0) {
		*ret_err = home && *home ? -fd : errno;
		what = "cannot open it";
	} else if (need_write && faccessat(fd, ".", W_OK, 0) < 0) {
		*ret_err = errno;
		what = "cannot write to it (FTPSD_WRITE=0 if that is meant)";
	}
	if (fd >= 0)
		close(fd);
	return what;
}

static void check_home(const struct user_entry *e, unsigned lineno, void *ctx)
{
	struct access_ctx *a = ctx;
	const char *what;
	int err = 0;

	if (!e->home[0])
		return;   /* FTPSD_ROOT itself, checked once */
	what = try_dir(a, e->home, a->cfg->write, &err);
	if (what)
		config_error(a->errs, "FTPSD_USERS=%s, line %u: home %s of user %s: %s %s: %s",
			     a->cfg->users_file, lineno, e->home, e->name, a->who, what, strerror(err));
}

/* The checks themselves, in the identity sessions have. */
static void check_access_here(struct access_ctx *a, int users_fd)
{
	const char *what;
	int err = 0;

	/* Virtual users may write; anonymous never does. */
	what = try_dir(a, NULL, a->cfg->write && users_fd >= 0, &err);
	if (what)
		config_error(a->errs, "FTPSD_ROOT=%s: %s %s: %s (sessions would answer 550)",
			     a->cfg->root, a->who, what, strerror(err));
	if (users_fd >= 0)
		each_user(users_fd, check_home, a);
}

/* The child's findings come back as NUL-terminated messages. */
static void read_findings(int fd, struct config_errors *errs)
{
	static char buf[CONFIG_MAX_ERRORS * CONFIG_ERROR_LEN];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	for (size_t off = 0; off < got; off += strlen(buf + off) + 1)
		if (buf[off])
			config_error(errs, "%s", buf + off);
}

void check_access(const struct config *cfg, int root_fd, int users_fd, const struct account *run,
		  struct config_errors *errs)
{
	static struct config_errors found;
	struct access_ctx a = { cfg, root_fd, "the account sessions run as", errs };
	char who[USER_NAME_MAX + 16];
	int pipefd[2], status;
	pid_t pid;

	if (root_fd < 0 || (!cfg->anonymous && !cfg->users_file))
		return;
	if (!run) {   /* not root: sessions run as we do */
		check_access_here(&a, users_fd);
		return;
	}
	snprintf(who, sizeof(who), "the account %s", run->name);
	a.who = who;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		config_error(errs, "cannot check access as %s: %s", run->name, strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		config_error(errs, "cannot check access as %s: %s", run->name, strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0) {
		close(pipefd[0]);
		found.count = 0;
		a.errs = &found;
		if (privs_become(run, false, NULL) < 0)
			config_error(&found, "cannot become %s to check access", run->name);
		else
			check_access_here(&a, users_fd);
		for (unsigned i = 0; i < found.count; i++)
			(void)!write(pipefd[1], found.text[i], strlen(found.text[i]) + 1);
		_exit(0);
	}
	close(pipefd[1]);
	read_findings(pipefd[0], errs);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

struct seen_name {
	char name[USER_NAME_MAX];
	unsigned lineno;
};

struct names {
	struct seen_name *v;
	size_t n, cap;
};

static void collect_name(const struct user_entry *e, unsigned lineno, void *ctx)
{
	struct names *ns = ctx;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		struct seen_name *v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return;
		ns->v = v;
		ns->cap = cap;
	}
	snprintf(ns->v[ns->n].name, sizeof(ns->v[ns->n].name), "%s", e->name);
	ns->v[ns->n++].lineno = lineno;
}

static int by_name_then_line(const void *pa, const void *pb)
{
	const struct seen_name *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->lineno > b->lineno) - (a->lineno < b->lineno);
}

void check_users_file(const char *path, int users_fd, struct config_errors *warnings)
{
	struct names ns = { NULL, 0, 0 };
	struct stat st;

	if (users_fd < 0)
		return;
	if (fstat(users_fd, &st) == 0 && (st.st_mode & S_IROTH))
		config_error(warnings, "FTPSD_USERS=%s is readable by every user (mode %04o): the "
			     "password hashes can be copied and guessed offline; chmod 600 %s",
			     path, (unsigned)(st.st_mode & 07777), path);
	each_user(users_fd, collect_name, &ns);
	if (ns.n > 1)
		qsort(ns.v, ns.n, sizeof(ns.v[0]), by_name_then_line);
	for (size_t i = 1; i < ns.n; i++)
		if (strcmp(ns.v[i].name, ns.v[i - 1].name) == 0) {
			size_t first = i - 1;

			while (first > 0 && strcmp(ns.v[first - 1].name, ns.v[i].name) == 0)
				first--;
			config_error(warnings, "FTPSD_USERS=%s: user %s is on line %u and again on "
				     "line %u; only line %u counts", path, ns.v[i].name,
				     ns.v[first].lineno, ns.v[i].lineno, ns.v[first].lineno);
		}
	free(ns.v);
}
