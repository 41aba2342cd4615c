/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "listing.h"
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
			unsigned facts, bool writable, bool crlf)
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
		APPEND("type=%s;", mlsx_type(st));
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

/* The facts in the order FEAT lists them: the one place that ties a
 * fact's name to its bit. */
static const struct {
	const char *name;
	unsigned bit;
} fact_names[] = {
	{ "type", FACT_TYPE },
	{ "size", FACT_SIZE },
	{ "modify", FACT_MODIFY },
	{ "perm", FACT_PERM },
	{ "unique", FACT_UNIQUE },
	{ "UNIX.mode", FACT_UNIX_MODE },
};

/* Appends "name" + suffix to buf at *n: 0, or -ENOSPC. */
static int append_fact(char *buf, size_t size, size_t *n, const char *name, const char *suffix)
{
	int r = snprintf(buf + *n, size - *n, "%s%s", name, suffix);

	if (r < 0 || (size_t)r >= size - *n)
		return -ENOSPC;
	*n += (size_t)r;
	return 0;
}

int listing_feat_facts(char *buf, size_t size, unsigned selected)
{
	size_t n = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
		if (append_fact(buf, size, &n, fact_names[i].name,
				(selected & fact_names[i].bit) ? "*;" : ";") < 0)
			return -ENOSPC;
	return (int)n;
}

/* The bit of the fact named p[0..len), or 0 for an unknown one. */
static unsigned fact_bit(const char *p, size_t len, const char **name)
{
	for (size_t i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
		if (strlen(fact_names[i].name) == len && strncasecmp(p, fact_names[i].name, len) == 0) {
			*name = fact_names[i].name;
			return fact_names[i].bit;
		}
	return 0;
}

int listing_parse_facts(const char *p, size_t len, unsigned *facts, char *echo, size_t echo_size)
{
	const char *end = p + len;
	size_t n = 0;

	*facts = 0;
	if (echo_size == 0)
		return -ENOSPC;
	echo[0] = '\0';
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		size_t flen = semi ? (size_t)(semi - p) : (size_t)(end - p);
		const char *name = NULL;
		unsigned bit = fact_bit(p, flen, &name);

		if (bit && !(*facts & bit)) {
			*facts |= bit;
			if (append_fact(echo, echo_size, &n, name, ";") < 0)
				return -ENOSPC;
		}
		p += flen;
		if (p < end)
			p++;   /* the ';' */
	}
	return 0;
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
