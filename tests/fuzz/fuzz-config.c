/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the configuration parser (module/config/configuration.c), linked from the
 * module library (make fuzz, and the corpus replay in make check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/configuration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_config c;

	if (poc_config_parse(&e, (const char *)data, size, &c) == 0) {
		/* Every string the parser fills is NUL-terminated inside its buffer. */
		if (memchr(c.store, '\0', sizeof(c.store)) == NULL || memchr(c.log_path, '\0', sizeof(c.log_path)) == NULL ||
		    memchr(c.tee.sim_path, '\0', sizeof(c.tee.sim_path)) == NULL || c.ttl == 0)
			abort();
	} else if (e.msg[0] == '\0') {
		abort(); /* every failure says why */
	}
	return 0;
}
