/* SPDX-License-Identifier: ISC */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pages.h"
#include "banned.h"

void pages_release(void *p, size_t len)
{
	static uintptr_t page;
	uintptr_t start, end;

	if (page == 0) {
		long size = sysconf(_SC_PAGESIZE);

		page = size > 0 ? (uintptr_t)size : PAGES_ALIGN;
	}
	start = ((uintptr_t)p + page - 1) & ~(page - 1);
	end = ((uintptr_t)p + len) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}
