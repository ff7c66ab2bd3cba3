/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded cursor over untrusted bytes (curl strparse style): every read
 * checks what is left first and returns -1 without moving when it would run
 * past the end. Callers turn -1 into a POC_ERR_TRUNCATED naming the field.
 * And the one big-endian writer the TPM's structures need.
 */
#ifndef POC_BYTES_H
#define POC_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct poc_rd {
	const uint8_t *p;
	size_t left;
};

static inline void poc_rd_init(struct poc_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->left = len;
}

static inline int poc_rd_bytes(struct poc_rd *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return -1;
	if (out != NULL)
		*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static inline int poc_rd_u8(struct poc_rd *r, uint8_t *v)
{
	const uint8_t *b;

	if (poc_rd_bytes(r, 1, &b) < 0)
		return -1;
	*v = b[0];
	return 0;
}

static inline int poc_rd_u16le(struct poc_rd *r, uint16_t *v)
{
	const uint8_t *b;

	if (poc_rd_bytes(r, 2, &b) < 0)
		return -1;
	*v = (uint16_t)(b[0] | (b[1] << 8));
	return 0;
}

static inline int poc_rd_u32le(struct poc_rd *r, uint32_t *v)
{
	const uint8_t *b;

	if (poc_rd_bytes(r, 4, &b) < 0)
		return -1;
	*v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	     ((uint32_t)b[3] << 24);
	return 0;
}

static inline int poc_rd_u64le(struct poc_rd *r, uint64_t *v)
{
	uint32_t lo, hi;

	if (r->left < 8 || poc_rd_u32le(r, &lo) < 0 || poc_rd_u32le(r, &hi) < 0)
		return -1;
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

static inline int poc_rd_u16be(struct poc_rd *r, uint16_t *v)
{
	const uint8_t *b;

	if (poc_rd_bytes(r, 2, &b) < 0)
		return -1;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	return 0;
}

static inline int poc_rd_u32be(struct poc_rd *r, uint32_t *v)
{
	const uint8_t *b;

	if (poc_rd_bytes(r, 4, &b) < 0)
		return -1;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) |
	     (uint32_t)b[3];
	return 0;
}

/* v big-endian into p[0..3] (TPM command codes and handles, counters). */
static inline void poc_put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* v big-endian into p[0..1] (TPM algorithm identifiers, PolicyNV offsets and operations). */
static inline void poc_put_u16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
