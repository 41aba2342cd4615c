/* SPDX-License-Identifier: ISC */
/* What is wrong with the certificate and key files, said the way an
 * administrator can act on: which file, and why. GnuTLS's own errors
 * ("Error while reading file.", "The requested data were not
 * available.") name neither. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gnutls/x509.h>

#include "tls_files.h"
#include "banned.h"

/* PEM files larger than this are not certificates or keys. */
#define PEM_FILE_MAX (1024 * 1024)

/* Reads a whole PEM file into ret (gnutls_free it). 0 or -errno. */
static int read_pem(const char *path, gnutls_datum_t *ret)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if (st.st_size > PEM_FILE_MAX)
		err = -EFBIG;
	if (err == 0 && !(ret->data = gnutls_malloc((size_t)st.st_size + 1)))
		err = -ENOMEM;
	while (err == 0 && got < (size_t)st.st_size) {
		ssize_t n = read(fd, ret->data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (err < 0) {
		gnutls_free(ret->data);
		ret->data = NULL;
		return err;
	}
	ret->data[got] = '\0';
	ret->size = (unsigned)got;
	return 0;
}

static bool has(const gnutls_datum_t *pem, const char *text)
{
	return pem->data && memmem(pem->data, pem->size, text, strlen(text)) != NULL;
}

static const char *read_error(int err)
{
	return err == -EINVAL ? "not a regular file" : err == -EFBIG ? "too large for a PEM file"
								     : strerror(-err);
}

int tls_key_exposed(const char *path, char *err, size_t size)
{
	struct stat st;

	if (stat(path, &st) < 0 || !(st.st_mode & (S_IROTH | S_IWOTH)))
		return 0;
	snprintf(err, size, "FTPSD_TLS_KEY=%s: the private key is open to every user (mode %04o); "
		 "ftpsd refuses it, as sshd does: chmod 600 %s", path,
		 (unsigned)(st.st_mode & 07777), path);
	return -EPERM;
}

/* The certificates of the file, in order; NULL with an error added. */
static gnutls_x509_crt_t *load_certs(const char *path, unsigned *ret_n, struct config_errors *errs)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_crt_t *certs = NULL;
	int r = read_pem(path, &pem);

	*ret_n = 0;
	if (r < 0) {
		config_error(errs, "FTPSD_TLS_CERT=%s: cannot read it: %s", path, read_error(r));
		return NULL;
	}
	r = gnutls_x509_crt_list_import2(&certs, ret_n, &pem, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || *ret_n == 0) {
		if (has(&pem, "PRIVATE KEY-----"))
			config_error(errs, "FTPSD_TLS_CERT=%s holds a private key, not a certificate "
				     "(are FTPSD_TLS_CERT and FTPSD_TLS_KEY swapped?)", path);
		else
			config_error(errs, "FTPSD_TLS_CERT=%s: no PEM certificate in the file (%s)", path,
				     r < 0 ? gnutls_strerror(r) : "empty");
		certs = NULL;
		*ret_n = 0;
	}
	gnutls_free(pem.data);
	return certs;
}

/* The private key of the file; NULL with an error added. */
static gnutls_x509_privkey_t load_key(const char *path, struct config_errors *errs)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_privkey_t key = NULL;
	int r = read_pem(path, &pem);

	if (r < 0) {
		config_error(errs, "FTPSD_TLS_KEY=%s: cannot read it: %s", path, read_error(r));
		return NULL;
	}
	if (gnutls_x509_privkey_init(&key) < 0) {
		config_error(errs, "FTPSD_TLS_KEY=%s: out of memory", path);
		gnutls_free(pem.data);
		return NULL;
	}
	r = gnutls_x509_privkey_import2(key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (r < 0) {
		if (r == GNUTLS_E_DECRYPTION_FAILED || has(&pem, "ENCRYPTED"))
			config_error(errs, "FTPSD_TLS_KEY=%s is protected by a passphrase, which ftpsd "
				     "cannot ask for: store the key without one "
				     "(openssl pkey -in KEY -out NEWKEY), readable by root only", path);
		else if (has(&pem, "BEGIN CERTIFICATE"))
			config_error(errs, "FTPSD_TLS_KEY=%s holds a certificate, not a private key "
				     "(are FTPSD_TLS_CERT and FTPSD_TLS_KEY swapped?)", path);
		else
			config_error(errs, "FTPSD_TLS_KEY=%s: no PEM private key in the file (%s)", path,
				     gnutls_strerror(r));
		gnutls_x509_privkey_deinit(key);
		key = NULL;
	}
	gnutls_free(pem.data);
	return key;
}

/* The index of the certificate whose public key is key's, or -1. */
static int cert_of_key(gnutls_x509_crt_t *certs, unsigned n, gnutls_x509_privkey_t key)
{
	unsigned char kid[64], cid[64];
	size_t klen = sizeof(kid);

	if (gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, kid, &klen) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		size_t clen = sizeof(cid);

		if (gnutls_x509_crt_get_key_id(certs[i], GNUTLS_KEYID_USE_SHA256, cid, &clen) == 0 &&
		    clen == klen && memcmp(kid, cid, klen) == 0)
			return (int)i;
	}
	return -1;
}

static void issuer_dn(gnutls_x509_crt_t crt, char *buf, size_t size)
{
	gnutls_datum_t dn = { NULL, 0 };

	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) == 0)
		snprintf(buf, size, "%.*s", (int)dn.size, dn.data);
	else
		snprintf(buf, size, "?");
	gnutls_free(dn.data);
}

/* The order of the file: the server's certificate first, then each
 * issuer in turn; and a lone certificate that is not self-signed. */
static void check_chain(const char *path, gnutls_x509_crt_t *certs, unsigned n,
			struct config_errors *errs, struct config_errors *warnings)
{
	char issuer[256];

	for (unsigned i = 1; i < n; i++)
		if (!gnutls_x509_crt_check_issuer(certs[i - 1], certs[i])) {
			config_error(errs, "FTPSD_TLS_CERT=%s: certificate %u of the file did not issue "
				     "certificate %u: the server's certificate comes first, then "
				     "each issuer in turn", path, i + 1, i);
			return;
		}
	if (n == 1 && !gnutls_x509_crt_check_issuer(certs[0], certs[0])) {
		issuer_dn(certs[0], issuer, sizeof(issuer));
		config_error(warnings, "FTPSD_TLS_CERT=%s holds the server's certificate without its "
			     "chain (issuer: %s): clients that lack the intermediate certificate "
			     "cannot verify it; with Let's Encrypt use fullchain.pem, not cert.pem",
			     path, issuer);
	}
}

unsigned tls_files_diagnose(const struct config *cfg, struct config_errors *errs,
			    struct config_errors *warnings)
{
	unsigned before = errs->count, n = 0;
	gnutls_x509_crt_t *certs = load_certs(cfg->tls_cert, &n, errs);
	gnutls_x509_privkey_t key = load_key(cfg->tls_key, errs);
	char exposed[CONFIG_ERROR_LEN];

	if (tls_key_exposed(cfg->tls_key, exposed, sizeof(exposed)) < 0)
		config_error(errs, "%s", exposed);
	if (certs && key) {
		int i = cert_of_key(certs, n, key);

		if (i < 0)
			config_error(errs, "FTPSD_TLS_CERT=%s and FTPSD_TLS_KEY=%s do not match (the "
				     "key belongs to another certificate)", cfg->tls_cert, cfg->tls_key);
		else if (i > 0)
			config_error(errs, "FTPSD_TLS_CERT=%s: the certificate of FTPSD_TLS_KEY is "
				     "number %d in the file; the server's certificate must come first, "
				     "then its chain (as in Let's Encrypt's fullchain.pem)",
				     cfg->tls_cert, i + 1);
		else
			check_chain(cfg->tls_cert, certs, n, errs, warnings);
	}
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	gnutls_free(certs);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return errs->count - before;
}
