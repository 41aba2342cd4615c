/* SPDX-License-Identifier: ISC */
/* Small helpers with no better home: clocks, bounded copies, byte checks. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock. */
int64_t now_ms(void);
/* Microseconds on the monotonic clock. */
int64_t now_us(void);
/* Milliseconds left until deadline, clamped to [0, INT32_MAX]; for poll(). */
int ms_until(int64_t deadline);

/* Copies src (NUL-terminated) into dst of size bytes. 0, or -ENAMETOOLONG
 * when it does not fit (dst is then an empty string). */
int copy_string(char *dst, size_t size, const char *src);

/* true when p[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *p, size_t len);

/* Compares two NUL-terminated strings in time that depends only on their lengths. */
bool equal_constant_time(const char *a, const char *b);

/* Writes all of buf to a blocking-or-not fd, waiting with poll() until deadline. */
int write_all_fd(int fd, const void *buf, size_t len, int64_t deadline);

/* Sends buf (one message on a datagram or seqpacket socket) with up to
 * two descriptors passed along (SCM_RIGHTS). 0 or -errno. */
int send_with_fds(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);

/* Waits until fd has something to read (or its end): 0, -ETIMEDOUT at
 * deadline, -errno. */
int wait_readable(int fd, int64_t deadline);

/* gmtime_r() that cannot fail: a time whose year does not fit in an int
 * (a file's mtime can be anything) is given as the epoch. */
struct tm;
void utc_time(long long t, struct tm *ret);

/* t as an RFC 3659 time-val, "YYYYMMDDHHMMSS" in UTC, always 14 digits:
 * a time outside the years 0000 to 9999 is given as the epoch. buf must
 * hold 15 bytes. */
#define TIME_VAL_SIZE 15
void format_time_val(char *buf, long long t);

/* p[0..len) as a decimal number: one or more digits and nothing else,
 * at most max. 0, -EINVAL (empty, or not all digits) or -ERANGE (above
 * max). The one decimal parser: REST, PORT/EPRT, configuration values,
 * time-vals. */
int parse_decimal(const char *p, size_t len, uint64_t max, uint64_t *ret);

/* "YYYYMMDDHHMMSS" (RFC 3659 time-val, optionally ".fff" which is
 * ignored), UTC, to seconds since the epoch. 0 or -EINVAL. */
int parse_time_val(const char *s, size_t len, long long *ret);

/* Sets or clears O_NONBLOCK. */
int fd_set_nonblocking(int fd, bool on);
