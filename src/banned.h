/* SPDX-License-Identifier: ISC */
/* Functions that have no safe use here. Included last by every source file. */
#pragma once
#undef strcpy
#define strcpy(d, s) BANNED_strcpy_use_bounded_copy
#undef strcat
#define strcat(d, s) BANNED_strcat_use_bounded_copy
#undef sprintf
#define sprintf(...) BANNED_sprintf_use_snprintf
#undef vsprintf
#define vsprintf(...) BANNED_vsprintf_use_vsnprintf
#undef gets
#define gets(s) BANNED_gets
#undef strncpy
#define strncpy(d, s, n) BANNED_strncpy_use_bounded_copy
