/* SPDX-License-Identifier: ISC */
/* Memory that only a transfer needs goes back to the kernel between
 * transfers, so that an idle session costs only what it holds. */
#pragma once
#include <stddef.h>

/* The alignment of a static buffer that pages_release() empties: a page
 * on every architecture ftpsd builds for with 4 KiB pages. Larger pages
 * still work: only the whole pages inside a buffer are given back. */
#define PAGES_ALIGN 4096

/* Gives the whole pages of p[0..len) back to the kernel (madvise
 * MADV_DONTNEED). The buffer stays usable; its contents read as zeros
 * and cost memory again only once written. Private anonymous memory
 * (static buffers) only. Never fails: a kernel that refuses keeps the
 * pages. */
void pages_release(void *p, size_t len);

