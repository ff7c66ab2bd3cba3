/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running inside a process that made an OpenSSL ENGINE the default (openssl
 * -engine pkcs11, nginx with ssl_engine pkcs11: libengine-pkcs11-openssl).
 * tpm2-tss ESYS and our own EVP code create keys through OpenSSL; with an
 * engine registered as the default RSA/EC method, OpenSSL 3 routes those
 * keys to the engine (legacy path), and ESYS's salted sessions fail
 * ("Could not create rsa key", tpm2-tss issue 3151), as does decoding of
 * public keys. So while the module works (module lock held, or a crypto
 * operation running), the default-engine registrations are taken away and
 * then put back. Nested and concurrent users share one count. Keys the
 * application made through its engine keep their engine (pkey->engine), so
 * its own work is unaffected.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "pkcs11/p11_int.h"

#include <pthread.h>

#include <openssl/engine.h>
#include <openssl/evp.h>

static pthread_mutex_t engine_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned long engine_users;
static ENGINE *saved_rsa, *saved_ec, *saved_dsa, *saved_dh, *saved_pk_rsa, *saved_pk_ec, *saved_pk_pss;

void p11_engines_off(void)
{
	pthread_mutex_lock(&engine_mutex);
	if (engine_users++ == 0) {
		if ((saved_rsa = ENGINE_get_default_RSA()) != NULL)
			ENGINE_unregister_RSA(saved_rsa);
		if ((saved_ec = ENGINE_get_default_EC()) != NULL)
			ENGINE_unregister_EC(saved_ec);
		if ((saved_dsa = ENGINE_get_default_DSA()) != NULL)
			ENGINE_unregister_DSA(saved_dsa);
		if ((saved_dh = ENGINE_get_default_DH()) != NULL)
			ENGINE_unregister_DH(saved_dh);
		if ((saved_pk_rsa = ENGINE_get_pkey_meth_engine(EVP_PKEY_RSA)) != NULL)
			ENGINE_unregister_pkey_meths(saved_pk_rsa);
		if ((saved_pk_ec = ENGINE_get_pkey_meth_engine(EVP_PKEY_EC)) != NULL)
			ENGINE_unregister_pkey_meths(saved_pk_ec);
		if ((saved_pk_pss = ENGINE_get_pkey_meth_engine(EVP_PKEY_RSA_PSS)) != NULL)
			ENGINE_unregister_pkey_meths(saved_pk_pss);
	}
	pthread_mutex_unlock(&engine_mutex);
}

static void put_back(ENGINE **e, int (*set)(ENGINE *))
{
	if (*e == NULL)
		return;
	(void)set(*e);
	ENGINE_free(*e);
	*e = NULL;
}

void p11_engines_restore(void)
{
	pthread_mutex_lock(&engine_mutex);
	if (engine_users > 0 && --engine_users == 0) {
		put_back(&saved_rsa, ENGINE_set_default_RSA);
		put_back(&saved_ec, ENGINE_set_default_EC);
		put_back(&saved_dsa, ENGINE_set_default_DSA);
		put_back(&saved_dh, ENGINE_set_default_DH);
		put_back(&saved_pk_rsa, ENGINE_set_default_pkey_meths);
		put_back(&saved_pk_ec, ENGINE_set_default_pkey_meths);
		put_back(&saved_pk_pss, ENGINE_set_default_pkey_meths);
	}
	pthread_mutex_unlock(&engine_mutex);
}
