/* SPDX-License-Identifier: ISC */
/* The command loop of a session (session_loop.c). */
#pragma once
#include "session.h"

/* Runs the session on the control descriptors until QUIT, a timeout or
 * the peer's end; returns the process exit status. */
int session_run(struct session *s);
