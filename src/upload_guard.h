/* The temporary file of an upload in progress is removed when the
 * session is told to end (SIGTERM, SIGHUP, SIGINT: systemctl stop, a host
 * taken out of a cluster), so that no stopped host leaves a partial
 * upload behind in shared storage. SIGKILL cannot be caught: ftpsd(8)
 * says such a file can be removed safely. */
#pragma once

/* Installs the handlers; once per process. */
void upload_guard_install(void);

/* The temporary name in dir_fd that a stop must remove, until disarmed. */
void upload_guard_arm(int dir_fd, const char *name);
void upload_guard_disarm(void);
