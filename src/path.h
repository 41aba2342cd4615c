/* SPDX-License-Identifier: ISC */
/* Virtual paths: what the client sees, always absolute, normalized, and
 * never above "/". Pure string work; confinement on disk is fs.c's job. */
#pragma once
#include <stddef.h>

/* Joins cwd (already normalized) with arg (absolute or relative) and
 * normalizes: "." and empty components dropped, ".." removed with its
 * parent and never above "/". 0, or -ENAMETOOLONG. */
int path_resolve(const char *cwd, const char *arg, char *ret, size_t size);

/* The path for openat() beneath the root: "/a/b" → "a/b", "/" → ".". */
const char *path_beneath_root(const char *vpath);

/* Splits a normalized path other than "/" into its parent and last
 * component: "/a/b" → "/a" and "b". -EINVAL for "/". */
int path_split(const char *vpath, char *parent, size_t size, const char **ret_base);

/* Quotes a path for a 257 reply (RFC 959 appendix II: '"' doubled).
 * Returns the length or -ENOSPC. */
int path_quote(const char *vpath, char *buf, size_t size);
