/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate loading and chain verification at a pinned time (OpenSSL X509_STORE). */
#ifndef POC_X509_H
#define POC_X509_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "verr.h"

/*
 * Certificates from bytes: one or more PEM blocks, or one DER certificate.
 * Returns a new stack (free with sk_X509_pop_free(s, X509_free)) or NULL.
 */
STACK_OF(X509) *poc_x509_load(struct poc_err *e, const uint8_t *buf, size_t len);

/*
 * Verifies leaf up to one of roots (trust anchors) through intermediates,
 * at Unix time at. On success, *chain_out (if not NULL) receives the chain
 * leaf..root (free with sk_X509_pop_free). Failures: POC_ERR_EXPIRED when a
 * certificate is outside its validity at that time, POC_ERR_CHAIN otherwise;
 * the message names the certificate's subject and OpenSSL's reason.
 */
int poc_x509_chain_verify(struct poc_err *e, X509 *leaf, STACK_OF(X509) *intermediates,
			  STACK_OF(X509) *roots, int64_t at, STACK_OF(X509) **chain_out);

/* One-line subject, e.g. "CN=EK/AK CA Root,O=Google LLC" into buf. */
void poc_x509_subject(const X509 *c, char *buf, size_t len);

#endif
