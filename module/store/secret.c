/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory for secrets. The module's own secret buffers (released CKO_DATA
 * values and secret keys, the PIN of a login, decrypted object plaintexts,
 * generated key material) are whole private anonymous pages: mlock'ed (best
 * effort), MADV_DONTDUMP (absent from core dumps) and MADV_WIPEONFORK where
 * the kernel has it (Linux >= 4.14: a forked child reads zeros there).
 *
 * The private values of a released EVP_PKEY are allocated by OpenSSL: with
 * its secure heap initialised (poc_secure_heap_init, from C_Initialize) they
 * go there (BN_secure_new, OPENSSL_secure_malloc), in one arena that OpenSSL
 * mlocks and marks MADV_DONTDUMP. That arena is deliberately not marked
 * MADV_WIPEONFORK: OpenSSL keeps its free lists inside the arena's free
 * chunks, so a child that saw them zeroed would crash on its next secure
 * allocation or free, and the application (or the module re-initialised in
 * the child) uses the secure heap too. A child instead cannot use the
 * parent's keys (every entry point returns CKR_CRYPTOKI_NOT_INITIALIZED in
 * it) and its C_Initialize frees and cleanses them (p11_ctx.c).
 */
#include "store/object.h"
#include "store/secret.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

static atomic_ulong lock_failures;

static size_t secret_map_len(size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;

	if (len == 0)
		len = 1;
	return (len + page - 1) / page * page;
}

uint8_t *poc_secret_alloc(size_t len)
{
	size_t mlen;
	void *p;

	if (len > POC_OBJECT_MAX)
		return NULL;
	/* Whole private pages, so that mlock and the madvise flags cover nothing else. */
	mlen = secret_map_len(len);
	p = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Best effort: a low RLIMIT_MEMLOCK must not make secrets unusable (counted, logged by the caller). */
	if (mlock(p, mlen) != 0)
		atomic_fetch_add(&lock_failures, 1);
	(void)madvise(p, mlen, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
	(void)madvise(p, mlen, MADV_WIPEONFORK); /* EINVAL before Linux 4.14: the child's C_Initialize still wipes */
#endif
	return p;
}

void poc_secret_free(uint8_t *secret, size_t len)
{
	size_t mlen;

	if (secret == NULL)
		return;
	mlen = secret_map_len(len);
	OPENSSL_cleanse(secret, mlen);
	(void)munlock(secret, mlen);
	munmap(secret, mlen);
}

unsigned long poc_secret_lock_failures(void)
{
	return atomic_load(&lock_failures);
}

enum poc_secure_heap poc_secure_heap_init(size_t size, size_t minsize)
{
	if (CRYPTO_secure_malloc_initialized())
		return POC_SECURE_HEAP_THEIRS;
	switch (CRYPTO_secure_malloc_init(size, minsize)) {
	case 1: return POC_SECURE_HEAP_LOCKED;
	case 2: return POC_SECURE_HEAP_UNLOCKED;
	default: return POC_SECURE_HEAP_NONE;
	}
}
