/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "listing.h"
#include "session.h"
#include "util.h"
#include "banned.h"

#define SIX_MONTHS (183L * 24 * 3600)


bool listing_name_ok(const char *name)
{
	return !strpbrk(name, "\r\n");
}

static char type_char(mode_t m)
{
	if (S_ISDIR(m)) return 'd';
	if (S_ISLNK(m)) return 'l';
	if (S_ISCHR(m)) return 'c';
	if (S_ISBLK(m)) return 'b';
	if (S_ISFIFO(m)) return 'p';
	if (S_ISSOCK(m)) return 's';
	return '-';
}

static void mode_string(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = type_char(m);
	for (int i = 0; i < 9; i++)
		out[i + 1] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	if (m & S_ISUID) out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID) out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX) out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

static int finish(int n, size_t size)
{
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int listing_format_list(char *buf, size_t size, const char *name, const struct stat *st,
			const char *target, time_t now)
{
	return listing_format_list_owned(buf, size, name, st, target, now, NULL, NULL);
}

int listing_format_list_owned(char *buf, size_t size, const char *name, const struct stat *st,
			      const char *target, time_t now, const char *owner, const char *group)
{
	char mode[11], date[32], uid[16], gid[16];
	struct tm tm;
	time_t mtime = st->st_mtim.tv_sec;
	bool recent = mtime <= now && mtime > now - SIX_MONTHS;   /* no overflow */

	mode_string(st->st_mode, mode);
	utc_time(mtime, &tm);
	strftime(date, sizeof(date), recent ? "%b %e %H:%M" : "%b %e  %Y", &tm);
	snprintf(uid, sizeof(uid), "%u", (unsigned)st->st_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)st->st_gid);
	return finish(snprintf(buf, size, "%s %3lu %-8s %-8s %12lld %s %s%s%s\r\n", mode,
			       (unsigned long)st->st_nlink, owner ? owner : uid,
			       group ? group : gid, (long long)st->st_size, date, name,
			       target ? " -> " : "", target ? target : ""),
		      size);
}

int listing_format_nlst(char *buf, size_t size, const char *name)
{
	return finish(snprintf(buf, size, "%s\r\n", name), size);
}

static const char *mlsx_type(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return "dir";
	if (S_ISREG(st->st_mode))
		return "file";
	return S_ISLNK(st->st_mode) ? "OS.unix=symlink" : "OS.unix=special";
}

/* RFC 3659 §7.5.5: what this user may do with the object. */
static const char *mlsx_perm(const struct stat *st, bool writable)
{
	if (S_ISDIR(st->st_mode))
		return writable ? "elcmpdf" : "el";
	return writable ? "radfw" : "r";
}

int listing_format_mlsx(char *buf, size_t size, const char *name, const struct stat *st,
			unsigned facts, const char *type_override, bool writable, bool crlf)
{
	size_t n = 0;
	int r;

#define APPEND(...)                                                          \
	do {                                                                 \
		r = snprintf(buf + n, size - n, __VA_ARGS__);                \
		if (r < 0 || (size_t)r >= size - n)                          \
			return -ENOSPC;                                      \
		n += (size_t)r;                                              \
	} while (0)

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (facts & FACT_TYPE)
		APPEND("type=%s;", type_override ? type_override : mlsx_type(st));
	if ((facts & FACT_SIZE) && !S_ISDIR(st->st_mode))
		APPEND("size=%lld;", (long long)st->st_size);
	if (facts & FACT_MODIFY) {
		char when[TIME_VAL_SIZE];

		format_time_val(when, st->st_mtim.tv_sec);
		APPEND("modify=%s;", when);
	}
	if (facts & FACT_PERM)
		APPEND("perm=%s;", mlsx_perm(st, writable));
	if (facts & FACT_UNIQUE)
		APPEND("unique=%llxg%llx;", (unsigned long long)st->st_dev,
		       (unsigned long long)st->st_ino);
	if (facts & FACT_UNIX_MODE)
		APPEND("UNIX.mode=0%o;", (unsigned)(st->st_mode & 07777));
	APPEND(" %s%s", name, crlf ? "\r\n" : "");
#undef APPEND
	return (int)n;
}

bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

bool wildcard_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star = NULL, *resume = NULL;

	/* Greedy matching that, on a mismatch, only ever backtracks to the
	 * most recent '*': each star is retried at most len(name) times. */
	while (*n) {
		if (*p == '*') {
			star = p++;
			resume = n;
		} else if (*p == '?' || *p == *n) {
			p++;
			n++;
		} else if (star) {
			p = star + 1;
			n = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
