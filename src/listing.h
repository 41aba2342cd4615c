/* SPDX-License-Identifier: ISC */
/* Listing lines: LIST in the "ls -l" form clients parse, NLST names, and
 * MLSD/MLST facts (RFC 3659 §7). Pure: a struct stat and a name in, one
 * line out; the caller streams them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* MLST facts (RFC 3659 §7.5), selectable with OPTS MLST. */
enum {
	FACT_TYPE = 1 << 0,
	FACT_SIZE = 1 << 1,
	FACT_MODIFY = 1 << 2,
	FACT_PERM = 1 << 3,
	FACT_UNIQUE = 1 << 4,
	FACT_UNIX_MODE = 1 << 5,
	FACT_ALL = (1 << 6) - 1,
};

/* A name with CR or LF cannot be written into a line-based listing
 * without forging extra entries: such names are left out. */
bool listing_name_ok(const char *name);

/* "-rw-r--r--   1 1000     1000         1234 Nov 24 12:00 name\r\n"; a
 * symlink gets " -> target" when target is not NULL. Dates within six
 * months of now show the time, older or future ones the year (UTC).
 * Returns the length, or -ENOSPC. */
int listing_format_list(char *buf, size_t size, const char *name, const struct stat *st,
			const char *target, time_t now);
/* The same with owner and group names in place of the numbers (NULL: the
 * number), for FTPSD_LIST_OWNER. */
int listing_format_list_owned(char *buf, size_t size, const char *name, const struct stat *st,
			      const char *target, time_t now, const char *owner, const char *group);

/* "name\r\n". Returns the length, or -ENOSPC. */
int listing_format_nlst(char *buf, size_t size, const char *name);

/* "type=file;size=1234;modify=20261124120000;perm=rwadf;unique=...;
 * UNIX.mode=0644; name\r\n" with the facts selected. writable says
 * whether the user may change things (the perm fact). With crlf false, no
 * line end (for MLST's reply line). Returns the length, or -ENOSPC. */
int listing_format_mlsx(char *buf, size_t size, const char *name, const struct stat *st,
			unsigned facts, bool writable, bool crlf);

/* FEAT's fact list: every fact, "*" after the selected ones:
 * "type*;size*;modify;...". Returns the length, or -ENOSPC. */
int listing_feat_facts(char *buf, size_t size, unsigned selected);

/* OPTS MLST's argument "fact;fact;..." (RFC 3659 §7.9), case-insensitive;
 * unknown facts are ignored. *facts gets the selection; echo the known
 * names in the order given, each once, ";"-terminated (the reply).
 * Returns 0, or -ENOSPC when echo is too small. */
int listing_parse_facts(const char *p, size_t len, unsigned *facts, char *echo, size_t echo_size);

/* "* and ? wildcards: true when name matches pattern. Runs in time
 * proportional to len(pattern) * len(name) at worst, never exponential. */
bool wildcard_match(const char *pattern, const char *name);

/* true when the string contains * or ? . */
bool has_wildcard(const char *s);
