/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
#include "exit_status.h"
#include "log.h"
#include "util.h"
#include "banned.h"

int64_t session_command_deadline(const struct session *s)
{
	if (s->login != LOGIN_DONE)
		return s->login_deadline;
	return now_ms() + (int64_t)s->cfg->idle_timeout * 1000;
}

void session_clear_data(struct session *s)
{
	if (s->pasv_fd >= 0)
		close(s->pasv_fd);
	s->pasv_fd = -1;
	s->data_mode = DATA_NONE;
}

void session_logout(struct session *s)
{
	if (s->root_fd >= 0 && s->root_fd != s->base_root_fd && s->root_fd != s->anon_root_fd)
		close(s->root_fd);
	s->root_fd = -1;
	s->login = LOGIN_NONE;
	s->user[0] = '\0';
	s->anonymous = false;
	s->may_write = false;
	/* The user's options and quota count go with the user. */
	if (s->opts.has_umask)
		umask(s->cfg->umask);
	memset(&s->opts, 0, sizeof(s->opts));
	memset(&s->quota, 0, sizeof(s->quota));
	copy_string(s->cwd, sizeof(s->cwd), "/");
	session_clear_data(s);
	s->rest = 0;
	s->has_rnfr = false;
	s->ascii = false;
	s->epsv_all = false;
	s->mlst_facts = FACT_ALL;
	log_set_user(NULL);
}

void session_end(struct session *s, int status)
{
	s->quit = true;
	if (s->exit_status == EXIT_SESSION_OK)
		s->exit_status = status;
}

bool session_ending(const struct session *s)
{
	return s->quit || control_broken(&s->ctrl);
}
