/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "path.h"
#include "fs.h"
#include "usage.h"
#include "util.h"
#include "policy.h"
#include "banned.h"

bool policy_login_refused(const struct session *s, const struct user_options *o, bool by_certificate)
{
	if (o->cert_only && !by_certificate) {
		log_msg(LOG_NOTICE, "login of %s from %s refused: the user logs in by certificate only",
			s->user, s->peer_str);
		return true;
	}
	if (o->n_from > 0 && (!s->have_peer || !user_options_from_allows(o, (const struct sockaddr *)&s->peer))) {
		log_msg(LOG_NOTICE, "login of %s from %s refused: not an address in the user's from= list",
			s->user, s->have_peer ? s->peer_str : "a non-socket");
		return true;
	}
	return false;
}

void policy_apply(struct session *s, const struct user_options *o, bool anonymous)
{
	if (o)
		s->opts = *o;
	else
		memset(&s->opts, 0, sizeof(s->opts));
	switch (s->opts.write) {
	case USER_WRITE_NO: s->may_write = false; break;
	case USER_WRITE_YES: s->may_write = true; break;
	case USER_WRITE_DEFAULT: s->may_write = !anonymous && s->cfg->write; break;
	}
	if (s->opts.has_umask)
		umask(s->opts.umask);
	memset(&s->quota, 0, sizeof(s->quota));
	s->quota.max_bytes = s->opts.quota_bytes;
	s->quota.max_files = s->opts.quota_files;
}

/* Brings the quota up to date from the usage file and records change
 * there. Where the file cannot be used, the session counts by itself from
 * then on (q->session_only). 0, -EFBIG or -EAGAIN, logged. */
static int sync_usage(struct session *s, const struct quota_change *change)
{
	struct quota *q = &s->quota;
	struct quota_sync_result res;
	int r = quota_sync(s->root_fd, q, change, (int64_t)time(NULL), &res);

	if (res.walked && res.failed != QUOTA_STAGE_COUNT)
		log_msg(LOG_INFO, "quota of %s: usage file %s, tree counted: %llu bytes in %llu files",
			s->user, res.walked, (unsigned long long)q->bytes, (unsigned long long)q->files);
	if (r == 0)
		return 0;
	switch (res.failed) {
	case QUOTA_STAGE_COUNT:
		log_msg(LOG_ERR, "quota of %s: cannot count the usage: %s", s->user,
			r == -E2BIG ? "the tree is too deep or too large" : strerror(-r));
		return -EFBIG;
	case QUOTA_STAGE_LOCK:
		if (r == -ETIMEDOUT) {
			log_msg(LOG_WARNING, "quota of %s: the usage file stayed locked for %d ms", s->user,
				QUOTA_LOCK_WAIT_MS);
			return -EAGAIN;
		}
		/* Nothing was read or applied: the session's own count takes
		 * the change from here on. */
		if (change && q->counted)
			quota_apply(q, change);
		break;
	default:
		/* What the file says is now behind this session's count: it
		 * goes, and the next session to find it missing walks. */
		quota_forget(s->root_fd);
		break;
	}
	log_msg(LOG_NOTICE, "quota of %s: cannot %s the usage file %s (%s): the session counts by itself",
		s->user, res.failed == QUOTA_STAGE_LOCK ? "lock" : "write", USAGE_NAME, strerror(-r));
	q->session_only = true;
	return 0;
}

/* Records a change that sync_usage() could not: the usage file goes, so
 * that the next upload walks the tree. */
static void record_change(struct session *s, const struct quota_change *change)
{
	struct quota *q = &s->quota;

	if (q->session_only) {
		if (q->counted)
			quota_apply(q, change);
		return;
	}
	if (sync_usage(s, change) < 0) {
		q->counted = false;
		quota_forget(s->root_fd);
	}
}

void policy_before(struct session *s, const struct command *c)
{
	struct quota *q = &s->quota;
	char target[VPATH_MAX];
	struct stat st, from;

	q->removing = false;
	if (!quota_active(q) || q->session_only || !c->has_arg)
		return;
	if (c->verb != VERB_DELE && !(c->verb == VERB_RNTO && s->has_rnfr))
		return;
	if (path_resolve(s->cwd, c->arg, target, sizeof(target)) < 0 ||
	    fs_lstat(s->root_fd, target, &st) < 0 || !S_ISREG(st.st_mode))
		return;   /* a symlink or a directory holds no counted bytes */
	/* An RNTO onto the very file it renames replaces nothing. */
	if (c->verb == VERB_RNTO && fs_lstat(s->root_fd, s->rnfr, &from) == 0 &&
	    from.st_dev == st.st_dev && from.st_ino == st.st_ino)
		return;
	q->removing = true;
	q->removing_bytes = (uint64_t)st.st_size;
}

void policy_after(struct session *s, const struct command *c)
{
	struct quota *q = &s->quota;
	enum verb verb = c->verb;

	if (!quota_active(q))
		return;
	if (q->session_only) {
		/* What these free is not worth tracking: the next upload counts. */
		if (verb == VERB_DELE || verb == VERB_RMD || verb == VERB_XRMD || verb == VERB_RNTO)
			q->counted = false;
		return;
	}
	if (q->removing && s->ctrl.last_code == 250) {
		struct quota_change gone = { .removed = q->removing_bytes, .file_gone = true };

		record_change(s, &gone);
	}
	q->removing = false;
}

int policy_upload_count(struct session *s)
{
	struct quota *q = &s->quota;
	int r;

	if (!quota_active(q))
		return 0;
	if (!q->session_only) {
		r = sync_usage(s, NULL);
		if (r < 0 || !q->session_only)
			return r;
	}
	if (q->counted)
		return 0;
	r = quota_count(s->root_fd, &q->bytes, &q->files);
	if (r < 0) {
		log_msg(LOG_ERR, "quota of %s: cannot count the usage: %s", s->user,
			r == -E2BIG ? "the tree is too deep or too large" : strerror(-r));
		return -EFBIG;
	}
	q->counted = true;
	return 0;
}

int64_t policy_upload_room(struct session *s, uint64_t replaced, bool new_file)
{
	struct quota *q = &s->quota;
	int64_t room;

	if (!quota_active(q))
		return INT64_MAX;
	if (!q->counted)
		return -EFBIG;   /* policy_upload_count() failed */
	room = quota_room(q, replaced, new_file);
	if (room < 0)
		log_msg(LOG_NOTICE, "quota of %s: %llu of %llu files used", s->user,
			(unsigned long long)q->files, (unsigned long long)q->max_files);
	return room;
}

void policy_upload_done(struct session *s, uint64_t written, uint64_t replaced, bool new_file)
{
	struct quota_change added = { .added = written, .removed = replaced, .new_file = new_file };

	if (quota_active(&s->quota))
		record_change(s, &added);
}

uint64_t policy_rate(const struct session *s, bool down)
{
	uint64_t user = down ? s->opts.rate_down : s->opts.rate_up;

	return user ? user : down ? s->cfg->rate_down : s->cfg->rate_up;
}

/* A drop box: new files in, nothing out, nothing changed once there. */
static bool upload_only_allows(const struct session *s, enum verb verb, bool writes)
{
	switch (verb) {
	case VERB_STOR:
	case VERB_STOU:
		return true;    /* new names only: cmd_xfer.c refuses an existing one */
	case VERB_MKD:
	case VERB_XMKD:
		return s->may_write;
	/* Reading back, or learning what is there. */
	case VERB_RETR:
	case VERB_SIZE:
	case VERB_MDTM:
	case VERB_MLST:
	/* Changing what is there, or writing into it at an offset. */
	case VERB_APPE:
	case VERB_REST:
	case VERB_RNFR:
	case VERB_RNTO:
	case VERB_DELE:
	case VERB_RMD:
	case VERB_XRMD:
	case VERB_MFMT:
		return false;
	default:
		return !writes;
	}
}

/* The verbs whose argument is a path (LIST and friends after options). */
static bool takes_path(enum verb verb)
{
	switch (verb) {
	case VERB_RETR: case VERB_STOR: case VERB_STOU: case VERB_APPE: case VERB_SIZE:
	case VERB_MDTM: case VERB_RNFR: case VERB_RNTO: case VERB_DELE: case VERB_RMD:
	case VERB_XRMD: case VERB_MKD: case VERB_XMKD: case VERB_LIST: case VERB_NLST:
	case VERB_MLSD: case VERB_MLST: case VERB_STAT: case VERB_CWD: case VERB_XCWD:
		return true;
	default:
		return false;
	}
}

/* What c names, as a virtual path; LIST-style options are skipped, and
 * no argument names the current directory. */
static int command_target(const struct session *s, const struct command *c, char *ret, size_t size)
{
	const char *arg = c->has_arg ? c->arg : "";

	if (c->verb == VERB_STOU && !c->has_arg)
		arg = "upload";
	if (c->verb == VERB_LIST || c->verb == VERB_NLST || c->verb == VERB_STAT)
		while (arg[0] == '-') {
			const char *space = strchr(arg, ' ');

			arg = space ? space + 1 : "";
		}
	return path_resolve(s->cwd, arg, ret, size);
}

/* FTPSD_ANONYMOUS_UPLOAD: anonymous may store new files in that one
 * directory and do nothing else there; elsewhere it only reads. */
static bool anonymous_allows(const struct session *s, const struct command *c, bool writes)
{
	const char *dir = s->cfg->anonymous_upload;
	size_t n = strlen(dir);
	char target[VPATH_MAX];
	bool inside;

	if (!takes_path(c->verb))
		return !writes;
	if (command_target(s, c, target, sizeof(target)) < 0)
		return false;
	inside = strncmp(target, dir, n) == 0 && (target[n] == '\0' || target[n] == '/');
	if (!inside)
		return !writes;
	switch (c->verb) {
	case VERB_STOR:
	case VERB_STOU:
		/* A new name only: REST would write into an existing file.
		 * STOU names its file before the data comes, so it cannot be
		 * given away unnamed (owner.h): not with an upload owner. */
		return target[n] == '/' && s->rest == 0 &&
		       (c->verb == VERB_STOR || !s->cfg->anonymous_upload_owner);
	case VERB_CWD:
	case VERB_XCWD:
		return true;
	default:
		return false;   /* reading, listing, renaming, deleting, MKD */
	}
}

void policy_list_identity(struct session *s, const char *user, uid_t uid, gid_t gid)
{
	struct group gr, *found = NULL;
	char buf[4096];

	if (s->cfg->list_owner != LIST_OWNER_NAME)
		return;
	s->list_uid = uid;
	s->list_gid = gid;
	copy_string(s->list_user, sizeof(s->list_user), user);
	s->list_group[0] = '\0';
	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &found) == 0 && found)
		copy_string(s->list_group, sizeof(s->list_group), found->gr_name);
}

void policy_list_owner(const struct session *s, const struct stat *st, const char **owner,
		       const char **group)
{
	*owner = *group = NULL;
	if (s->cfg->list_owner == LIST_OWNER_FTP) {
		*owner = *group = "ftp";   /* vsftpd's hide_ids */
	} else if (s->cfg->list_owner == LIST_OWNER_NAME) {
		if (s->list_user[0] && st->st_uid == s->list_uid)
			*owner = s->list_user;
		if (s->list_group[0] && st->st_gid == s->list_gid)
			*group = s->list_group;
	}
}

/* The usage file is ftpsd's (usage.h): no command names it, or a path
 * through that name, in any directory. */
static bool names_usage_file(const struct session *s, const struct command *c)
{
	char target[VPATH_MAX];

	if (c->verb == VERB_MFMT) {
		const char *sp = c->has_arg ? strchr(c->arg, ' ') : NULL;

		return sp && path_resolve(s->cwd, sp + 1, target, sizeof(target)) == 0 &&
		       usage_path_reserved(target);
	}
	return takes_path(c->verb) && command_target(s, c, target, sizeof(target)) == 0 &&
	       usage_path_reserved(target);
}

bool policy_allows(const struct session *s, const struct command *c, bool writes)
{
	if (names_usage_file(s, c))
		return false;
	if (s->opts.upload_only)
		return upload_only_allows(s, c->verb, writes);
	if (s->anonymous && s->cfg->anonymous_upload)
		return anonymous_allows(s, c, writes);
	return !writes || s->may_write;
}
