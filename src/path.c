/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "path.h"
#include "banned.h"

/* Appends component c[0..n) to ret (length *len) as "/c". */
static int push_component(char *ret, size_t size, size_t *len, const char *c, size_t n)
{
	if (*len + 1 + n >= size)
		return -ENAMETOOLONG;
	ret[(*len)++] = '/';
	memcpy(ret + *len, c, n);
	*len += n;
	ret[*len] = '\0';
	return 0;
}

/* Removes the last "/component" of ret; stays at "" (the root). */
static void pop_component(char *ret, size_t *len)
{
	while (*len > 0 && ret[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
	ret[*len] = '\0';
}

/* Walks the components of p and applies them to ret. */
static int apply(char *ret, size_t size, size_t *len, const char *p)
{
	while (*p) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			pop_component(ret, len);
		} else {
			int r = push_component(ret, size, len, p, n);

			if (r < 0)
				return r;
		}
		p = end;
	}
	return 0;
}

int path_resolve(const char *cwd, const char *arg, char *ret, size_t size)
{
	size_t len = 0;
	int r;

	if (size < 2)
		return -ENAMETOOLONG;
	ret[0] = '\0';
	if (arg[0] != '/') {
		r = apply(ret, size, &len, cwd);
		if (r < 0)
			return r;
	}
	r = apply(ret, size, &len, arg);
	if (r < 0)
		return r;
	if (len == 0) {
		ret[0] = '/';
		ret[1] = '\0';
	}
	return 0;
}

const char *path_beneath_root(const char *vpath)
{
	while (*vpath == '/')
		vpath++;
	return *vpath ? vpath : ".";
}

int path_split(const char *vpath, char *parent, size_t size, const char **ret_base)
{
	const char *slash = strrchr(vpath, '/');
	size_t n;

	if (!slash || slash[1] == '\0')
		return -EINVAL;
	n = slash == vpath ? 1 : (size_t)(slash - vpath);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(parent, vpath, n);
	parent[n] = '\0';
	*ret_base = slash + 1;
	return 0;
}

int path_quote(const char *vpath, char *buf, size_t size)
{
	size_t n = 0;

	for (const char *p = vpath; *p; p++) {
		size_t need = *p == '"' ? 2 : 1;

		if (n + need >= size)
			return -ENOSPC;
		buf[n++] = *p;
		if (*p == '"')
			buf[n++] = '"';
	}
	if (n >= size)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}
