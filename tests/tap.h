/* SPDX-License-Identifier: ISC */
/* A tiny header-only TAP (Test Anything Protocol) producer for the unit tests.
 *
 *   plan(n);                       or nothing, and done_testing() at the end
 *   ok(cond, "fmt", ...);          passes when cond is true
 *   is_int(got, want, "fmt", ...); integers, compared as long long
 *   is_str(got, want, "fmt", ...); strings, NULL-safe (NULL equals only NULL)
 *   is_mem(got, glen, want, wlen, "fmt", ...); byte strings (may hold NUL)
 *   diag("fmt", ...);              a "# ..." comment line
 *   return done_testing();         prints the plan if none was given and
 *                                  returns the exit status: non-zero when a
 *                                  test failed or the count missed the plan.
 *
 * Each test prints "ok N - name" or "not ok N - name"; a failure adds
 * "# got/expected" lines. Bytes outside printable ASCII are written as \xNN
 * (and '#' as "\#") so that hostile inputs in test names cannot break the
 * TAP stream. Every function is static inline: a file uses what it needs. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	unsigned run;
	unsigned failed;
	unsigned planned;
	bool has_plan;
	bool done;
	bool hooked;
} tap_state;

/* Writes s[0..len) with control bytes, non-ASCII, '\\' and '#' escaped. */
static inline void tap_put_escaped(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '#')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* Runs at exit when done_testing() was never reached: a failed test or a
 * plan that was not met must not end with status 0. */
static inline void tap_at_exit(void)
{
	if (tap_state.done)
		return;
	if (tap_state.has_plan && tap_state.run != tap_state.planned)
		printf("# planned %u tests but ran %u\n", tap_state.planned, tap_state.run);
	if (tap_state.failed || (tap_state.has_plan && tap_state.run != tap_state.planned)) {
		fflush(stdout);
		_exit(1);
	}
}

static inline void tap_hook(void)
{
	if (!tap_state.hooked) {
		tap_state.hooked = true;
		atexit(tap_at_exit);
	}
}

static inline void plan(unsigned n)
{
	tap_hook();
	tap_state.planned = n;
	tap_state.has_plan = true;
	printf("1..%u\n", n);
	fflush(stdout);
}

static inline int done_testing(void)
{
	tap_state.done = true;
	if (!tap_state.has_plan)
		printf("1..%u\n", tap_state.run);
	else if (tap_state.run != tap_state.planned) {
		printf("# planned %u tests but ran %u\n", tap_state.planned, tap_state.run);
		fflush(stdout);
		return 1;
	}
	if (tap_state.failed)
		printf("# failed %u of %u tests\n", tap_state.failed, tap_state.run);
	fflush(stdout);
	return tap_state.failed ? 1 : 0;
}

__attribute__((format(printf, 1, 2))) static inline void diag(const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fputs("# ", stdout);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			fputs("\n# ", stdout);
		else
			tap_put_escaped(stdout, p, 1);
	}
	fputc('\n', stdout);
}

/* Records one result; returns pass. */
__attribute__((format(printf, 4, 0))) static inline bool tap_result(bool pass, const char *file, int line, const char *fmt, va_list ap)
{
	char name[2048];

	tap_hook();
	vsnprintf(name, sizeof(name), fmt, ap);
	tap_state.run++;
	if (!pass)
		tap_state.failed++;
	printf("%sok %u - ", pass ? "" : "not ", tap_state.run);
	tap_put_escaped(stdout, name, strlen(name));
	fputc('\n', stdout);
	if (!pass)
		printf("#   Failed test at %s line %d.\n", file, line);
	fflush(stdout);
	return pass;
}

__attribute__((format(printf, 4, 5))) static inline bool
tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 5, 6))) static inline bool
tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_result(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#          got: %lld\n#     expected: %lld\n", got, want);
	fflush(stdout);
	return r;
}

static inline void tap_put_value(const char *label, const char *s, size_t len)
{
	printf("# %12s: ", label);
	if (!s) {
		fputs("NULL\n", stdout);
		return;
	}
	fputc('\'', stdout);
	if (len <= 200) {
		tap_put_escaped(stdout, s, len);
	} else {   /* long values: the head and the tail */
		tap_put_escaped(stdout, s, 80);
		fputs("'...'", stdout);
		tap_put_escaped(stdout, s + len - 80, 80);
	}
	printf("' (%zu bytes)\n", len);
}

__attribute__((format(printf, 7, 8))) static inline bool
tap_is_mem(const void *got, size_t got_len, const void *want, size_t want_len, const char *file,
	   int line, const char *fmt, ...)
{
	va_list ap;
	bool pass, r;

	if (!got || !want)
		pass = got == want;
	else
		pass = got_len == want_len && memcmp(got, want, got_len) == 0;
	va_start(ap, fmt);
	r = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	if (!r) {
		tap_put_value("got", got, got_len);
		tap_put_value("expected", want, want_len);
	}
	fflush(stdout);
	return r;
}

__attribute__((format(printf, 5, 6))) static inline bool
tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool pass, r;

	pass = (!got || !want) ? got == want : strcmp(got, want) == 0;
	va_start(ap, fmt);
	r = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	if (!r) {
		tap_put_value("got", got, got ? strlen(got) : 0);
		tap_put_value("expected", want, want ? strlen(want) : 0);
	}
	fflush(stdout);
	return r;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, got_len, want, want_len, ...) \
	tap_is_mem((got), (got_len), (want), (want_len), __FILE__, __LINE__, __VA_ARGS__)

/* The number of elements of an array. */
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
