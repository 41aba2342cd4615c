/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
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

ssize_t session_fill_input(struct session *s)
{
	ssize_t n;

	if (s->in_off < s->in_len)
		return (ssize_t)(s->in_len - s->in_off);
	s->in_off = s->in_len = 0;
	n = channel_recv(&s->ctrl, s->in, sizeof(s->in));
	if (n > 0)
		s->in_len = (size_t)n;
	return n;
}

enum linebuf_result session_feed(struct session *s)
{
	size_t used = 0;
	enum linebuf_result r = linebuf_feed(&s->lb, s->in + s->in_off, s->in_len - s->in_off, &used);

	s->in_off += used;
	return r;
}

void session_drop_input(struct session *s)
{
	s->in_off = s->in_len = 0;
	linebuf_init(&s->lb);
}
