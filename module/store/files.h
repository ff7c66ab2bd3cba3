/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_FILES_H
#define POC_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

/* Reads a whole file (at most max bytes) into a new buffer (NUL-terminated, not counted). */
int poc_file_read(struct poc_err *e, const char *path, size_t max, uint8_t **buf, size_t *len);
/* The same for a file that may be absent or unreadable (sysfs, configfs): returns 1 then. */
int poc_file_read_optional(struct poc_err *e, const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
