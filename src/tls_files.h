/* SPDX-License-Identifier: ISC */
/* Diagnosis of the TLS certificate and key files (FTPSD_TLS_CERT,
 * FTPSD_TLS_KEY): messages that name the file and the reason. */
#pragma once
#include <stddef.h>

#include "config.h"

/* Reads both files and adds an error for each problem: unreadable (with
 * the OS error), swapped, a key with a passphrase, a key that belongs to
 * no certificate of the file, a certificate file in the wrong order, a
 * key open to every user; and a warning for a certificate without its
 * chain that is not self-signed. Returns the number of errors added. */
unsigned tls_files_diagnose(const struct config *cfg, struct config_errors *errs,
			    struct config_errors *warnings);

/* -EPERM with a message in err when the key file can be read or written
 * by every user (ftpsd then refuses it), else 0. */
int tls_key_exposed(const char *path, char *err, size_t size);
