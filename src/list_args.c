/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "list_args.h"
#include "listing.h"
#include "path.h"
#include "util.h"
#include "banned.h"

/* Skips "-x... " groups at the start of p[0..len), noting the options
 * that change the output. 0 with *pos after them, or -EINVAL. */
static int parse_options(const char *p, size_t len, size_t *pos, struct list_request *req)
{
	size_t i = 0;

	while (i + 1 < len && p[i] == '-' && p[i + 1] != ' ') {
		for (i++; i < len && p[i] != ' '; i++) {
			if (p[i] == 'a' || p[i] == 'A')
				req->all = true;
			else if (p[i] == 'd')
				req->dir_itself = true;
			else if (p[i] == 'R')
				req->recursive = true;
			else if (p[i] == '\0' || !strchr("l1FhLT", p[i]))
				return -EINVAL;
		}
		if (i < len)
			i++;   /* the space after the group */
	}
	*pos = i;
	return 0;
}

/* Splits off a wildcard last component of path into req->pattern. */
static int split_pattern(const char *cwd, const char *path, struct list_request *req)
{
	char joined[VPATH_MAX];
	char *slash;
	int r = path_resolve(cwd, *path ? path : ".", joined, sizeof(joined));

	if (r < 0)
		return r;
	slash = strrchr(joined, '/');
	if (!has_wildcard(slash + 1))
		return copy_string(req->vpath, sizeof(req->vpath), joined);
	if (copy_string(req->pattern, sizeof(req->pattern), slash + 1) < 0)
		return -ENAMETOOLONG;
	*slash = '\0';
	return copy_string(req->vpath, sizeof(req->vpath), joined[0] ? joined : "/");
}

int list_request_parse(const char *cwd, const char *arg, size_t len, enum list_format format,
		       struct list_request *req)
{
	char path[LINE_MAX_BYTES + 1];
	size_t pos = 0;
	int r;

	memset(req, 0, sizeof(*req));
	req->format = format;
	if (format != FORMAT_MLSD) {
		r = parse_options(arg, len, &pos, req);
		if (r < 0)
			return r;
	}
	if (len - pos >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, arg + pos, len - pos);
	path[len - pos] = '\0';
	return split_pattern(cwd, path, req);
}
