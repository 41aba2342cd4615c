/* SPDX-License-Identifier: ISC */
/* CWD, CDUP, PWD: the working directory, a virtual path beneath the root. */
#include <errno.h>
#include <sys/stat.h>

#include "dispatch.h"
#include "fs.h"
#include "path.h"
#include "reply.h"
#include "util.h"
#include "banned.h"

static void change_dir(struct session *s, const char *arg)
{
	char target[VPATH_MAX];
	struct stat st;
	int r = path_resolve(s->cwd, arg, target, sizeof(target));

	if (r == 0)
		r = fs_stat(s->root_fd, target, &st);
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r < 0) {
		reply_errno(s, r, arg);
		return;
	}
	copy_string(s->cwd, sizeof(s->cwd), target);
	reply(s, 250, "Directory changed");
}

void cmd_cwd(struct session *s, const struct command *c)
{
	change_dir(s, c->arg);
}

void cmd_cdup(struct session *s, const struct command *c)
{
	(void)c;
	change_dir(s, "..");
}

void cmd_pwd(struct session *s, const struct command *c)
{
	char quoted[VPATH_MAX * 2];

	(void)c;
	if (path_quote(s->cwd, quoted, sizeof(quoted)) < 0) {
		reply(s, 550, "Path too long");
		return;
	}
	reply(s, 257, "\"%s\" is the current directory", quoted);
}
