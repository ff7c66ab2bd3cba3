/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where secrets live (poc_secret_alloc / poc_secret_free are declared in
 * object.h): the module's own secret pages, and OpenSSL's secure heap for the
 * private values OpenSSL allocates itself (the BIGNUMs of a released EVP_PKEY).
 */
#ifndef POC_SECRET_H
#define POC_SECRET_H

#include <stddef.h>

/* The secure heap the module asks for: OpenSSL mlocks it whole (a power of two). */
#define POC_SECURE_HEAP_SIZE (1u << 20)
#define POC_SECURE_HEAP_MIN 32

enum poc_secure_heap {
	POC_SECURE_HEAP_LOCKED = 0,   /* initialised here: mlock'ed and MADV_DONTDUMP */
	POC_SECURE_HEAP_UNLOCKED = 1, /* initialised here, but mlock or madvise failed (RLIMIT_MEMLOCK) */
	POC_SECURE_HEAP_THEIRS = 2,   /* the application initialised it before: used as it is */
	POC_SECURE_HEAP_NONE = 3,     /* not available: OpenSSL's private values stay in its ordinary heap */
};

/*
 * Initialises OpenSSL's secure heap (CRYPTO_secure_malloc_init) unless it
 * already is. It stays for the life of the process: the application and
 * OpenSSL itself keep using it after C_Finalize.
 */
enum poc_secure_heap poc_secure_heap_init(size_t size, size_t minsize);
/* How many secret allocations could not be mlock'ed (RLIMIT_MEMLOCK): they still work, unlocked. */
unsigned long poc_secret_lock_failures(void);

#endif
