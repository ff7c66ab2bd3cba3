/* SPDX-License-Identifier: Apache-2.0 */
/* Event log events for humans: type names and one-line descriptions of their data. */
#include "event_log.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

#define STARTUP_LOCALITY_SIG "StartupLocality" /* 15 chars + NUL = 16 bytes */
#define GCE_NONHOST_SIG "GCE NonHostInfo"      /* 15 chars + NUL = 16 bytes */
#define SIG_LEN 16

const char *poc_evlog_type_name(uint32_t type)
{
	switch (type) {
	case POC_EV_PREBOOT_CERT: return "EV_PREBOOT_CERT";
	case POC_EV_POST_CODE: return "EV_POST_CODE";
	case 0x00000002u: return "EV_UNUSED";
	case POC_EV_NO_ACTION: return "EV_NO_ACTION";
	case POC_EV_SEPARATOR: return "EV_SEPARATOR";
	case POC_EV_ACTION: return "EV_ACTION";
	case POC_EV_EVENT_TAG: return "EV_EVENT_TAG";
	case POC_EV_S_CRTM_CONTENTS: return "EV_S_CRTM_CONTENTS";
	case POC_EV_S_CRTM_VERSION: return "EV_S_CRTM_VERSION";
	case POC_EV_CPU_MICROCODE: return "EV_CPU_MICROCODE";
	case POC_EV_PLATFORM_CONFIG_FLAGS: return "EV_PLATFORM_CONFIG_FLAGS";
	case POC_EV_TABLE_OF_DEVICES: return "EV_TABLE_OF_DEVICES";
	case POC_EV_COMPACT_HASH: return "EV_COMPACT_HASH";
	case POC_EV_IPL: return "EV_IPL";
	case POC_EV_IPL_PARTITION_DATA: return "EV_IPL_PARTITION_DATA";
	case POC_EV_NONHOST_CODE: return "EV_NONHOST_CODE";
	case POC_EV_NONHOST_CONFIG: return "EV_NONHOST_CONFIG";
	case POC_EV_NONHOST_INFO: return "EV_NONHOST_INFO";
	case POC_EV_OMIT_BOOT_DEVICE_EVENTS: return "EV_OMIT_BOOT_DEVICE_EVENTS";
	case POC_EV_EFI_EVENT_BASE: return "EV_EFI_EVENT_BASE";
	case POC_EV_EFI_VARIABLE_DRIVER_CONFIG: return "EV_EFI_VARIABLE_DRIVER_CONFIG";
	case POC_EV_EFI_VARIABLE_BOOT: return "EV_EFI_VARIABLE_BOOT";
	case POC_EV_EFI_BOOT_SERVICES_APPLICATION: return "EV_EFI_BOOT_SERVICES_APPLICATION";
	case POC_EV_EFI_BOOT_SERVICES_DRIVER: return "EV_EFI_BOOT_SERVICES_DRIVER";
	case POC_EV_EFI_RUNTIME_SERVICES_DRIVER: return "EV_EFI_RUNTIME_SERVICES_DRIVER";
	case POC_EV_EFI_GPT_EVENT: return "EV_EFI_GPT_EVENT";
	case POC_EV_EFI_ACTION: return "EV_EFI_ACTION";
	case POC_EV_EFI_PLATFORM_FIRMWARE_BLOB: return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
	case POC_EV_EFI_HANDOFF_TABLES: return "EV_EFI_HANDOFF_TABLES";
	case POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2: return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
	case POC_EV_EFI_HANDOFF_TABLES2: return "EV_EFI_HANDOFF_TABLES2";
	case POC_EV_EFI_VARIABLE_BOOT2: return "EV_EFI_VARIABLE_BOOT2";
	case POC_EV_EFI_GPT_EVENT2: return "EV_EFI_GPT_EVENT2";
	case POC_EV_EFI_HCRTM_EVENT: return "EV_EFI_HCRTM_EVENT";
	case POC_EV_EFI_VARIABLE_AUTHORITY: return "EV_EFI_VARIABLE_AUTHORITY";
	case POC_EV_EFI_SPDM_FIRMWARE_BLOB: return "EV_EFI_SPDM_FIRMWARE_BLOB";
	case POC_EV_EFI_SPDM_FIRMWARE_CONFIG: return "EV_EFI_SPDM_FIRMWARE_CONFIG";
	default: return "EV_UNKNOWN";
	}
}

/* A bounded string builder: truncates silently, always NUL-terminated. */
struct sb {
	char *b;
	size_t cap, pos;
};

static void sb_putc(struct sb *s, char c)
{
	if (s->cap == 0 || s->pos + 1 >= s->cap)
		return;
	s->b[s->pos++] = c;
	s->b[s->pos] = '\0';
}

static void sb_puts(struct sb *s, const char *str)
{
	while (*str != '\0')
		sb_putc(s, *str++);
}

static int printable(unsigned c)
{
	return c >= 0x20 && c < 0x7f;
}

/* The printable ASCII prefix of data (stops at NUL or any control/8-bit byte). */
static void sb_ascii(struct sb *s, const uint8_t *d, size_t n)
{
	if (n > 0 && printable(d[0]))
		sb_putc(s, ' ');
	for (size_t i = 0; i < n && printable(d[i]); i++)
		sb_putc(s, (char)d[i]);
}

/* UTF-16LE to ASCII, nchars at most, stopping at NUL; non-ASCII becomes '?'. */
static void sb_utf16(struct sb *s, const uint8_t *d, size_t nchars)
{
	for (size_t i = 0; i < nchars; i++) {
		unsigned c = (unsigned)d[2 * i] | ((unsigned)d[2 * i + 1] << 8);

		if (c == 0)
			break;
		sb_putc(s, printable(c) ? (char)c : '?');
	}
}

static void sb_guid(struct sb *s, const uint8_t *g)
{
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const char hexd[] = "0123456789abcdef";

	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			sb_putc(s, '-');
		sb_putc(s, hexd[g[order[i]] >> 4]);
		sb_putc(s, hexd[g[order[i]] & 15]);
	}
}

/* UEFI_VARIABLE_DATA: VariableName GUID, UnicodeNameLength, VariableDataLength, name, data. */
static void desc_variable(struct sb *s, const uint8_t *d, size_t n)
{
	struct poc_rd r;
	uint64_t nlen, dlen;
	const uint8_t *name;

	poc_rd_init(&r, d, n);
	if (poc_rd_bytes(&r, 16, NULL) < 0 || poc_rd_u64le(&r, &nlen) < 0 ||
	    poc_rd_u64le(&r, &dlen) < 0 || nlen > r.left / 2 || poc_rd_bytes(&r, 2 * nlen, &name) < 0) {
		sb_puts(s, " (malformed UEFI_VARIABLE_DATA)");
		return;
	}
	sb_putc(s, ' ');
	sb_utf16(s, name, (size_t)nlen);
}

/* UEFI_IMAGE_LOAD_EVENT: three u64 image fields, LengthOfDevicePath, device path. */
static void desc_image(struct sb *s, const uint8_t *d, size_t n)
{
	struct poc_rd r;
	uint64_t plen;
	const uint8_t *path;
	int found = 0;

	poc_rd_init(&r, d, n);
	if (poc_rd_bytes(&r, 24, NULL) < 0 || poc_rd_u64le(&r, &plen) < 0 || plen > r.left ||
	    poc_rd_bytes(&r, (size_t)plen, &path) < 0) {
		sb_puts(s, " (malformed UEFI_IMAGE_LOAD_EVENT)");
		return;
	}
	poc_rd_init(&r, path, (size_t)plen);
	while (r.left >= 4) {
		uint8_t type, sub;
		uint16_t nlen;
		const uint8_t *node;

		(void)poc_rd_u8(&r, &type);
		(void)poc_rd_u8(&r, &sub);
		(void)poc_rd_u16le(&r, &nlen);
		if (nlen < 4 || poc_rd_bytes(&r, nlen - 4u, &node) < 0)
			break;
		if (type == 0x7f && sub == 0xff) /* end of the entire device path */
			break;
		if (type == 0x04 && sub == 0x04) { /* media: file path, UTF-16 */
			sb_putc(s, ' ');
			sb_utf16(s, node, (nlen - 4u) / 2);
			found = 1;
		} else if (type == 0x04 && sub == 0x06 && nlen == 20) { /* PIWG firmware file */
			sb_puts(s, " FvFile(");
			sb_guid(s, node);
			sb_putc(s, ')');
			found = 1;
		}
	}
	if (!found)
		sb_puts(s, " (no file path)");
}

static const char *gce_tech_name(uint8_t t)
{
	switch (t) {
	case POC_GCE_TECH_NONE: return "none";
	case POC_GCE_TECH_SEV: return "SEV";
	case POC_GCE_TECH_SEV_ES: return "SEV-ES";
	case POC_GCE_TECH_TDX: return "TDX";
	case POC_GCE_TECH_SEV_SNP: return "SEV-SNP";
	default: return "unknown";
	}
}

/* A separator's 32-bit value: 0, or an error code the firmware logged. */
static void desc_separator(struct sb *s, const uint8_t *d, size_t n)
{
	char tmp[32];

	if (n == 4) {
		uint32_t v = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)d[2] << 16) | ((uint32_t)d[3] << 24);

		snprintf(tmp, sizeof(tmp), " %08x%s", (unsigned)v, v == 0 ? "" : " (error)");
		sb_puts(s, tmp);
	}
}

/* What the event data says, by event type, after the type's name. */
static void desc_data(struct sb *s, uint32_t type, const uint8_t *d, size_t n)
{
	char tmp[32];

	switch (type) {
	case POC_EV_EFI_VARIABLE_DRIVER_CONFIG:
	case POC_EV_EFI_VARIABLE_BOOT:
	case POC_EV_EFI_VARIABLE_BOOT2:
	case POC_EV_EFI_VARIABLE_AUTHORITY:
		desc_variable(s, d, n);
		break;
	case POC_EV_EFI_BOOT_SERVICES_APPLICATION:
	case POC_EV_EFI_BOOT_SERVICES_DRIVER:
	case POC_EV_EFI_RUNTIME_SERVICES_DRIVER:
		desc_image(s, d, n);
		break;
	case POC_EV_S_CRTM_VERSION:
		sb_putc(s, ' ');
		sb_utf16(s, d, n / 2);
		break;
	case POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
	case POC_EV_EFI_HANDOFF_TABLES2:
		/* A one-byte description length, then the description. */
		if (n >= 1)
			sb_ascii(s, d + 1, d[0] < n - 1 ? d[0] : n - 1);
		break;
	case POC_EV_SEPARATOR:
		desc_separator(s, d, n);
		break;
	case POC_EV_NONHOST_INFO:
		if (n >= SIG_LEN + 1 && memcmp(d, GCE_NONHOST_SIG, SIG_LEN) == 0) {
			sb_puts(s, " GCE NonHostInfo: ");
			sb_puts(s, gce_tech_name(d[SIG_LEN]));
		} else {
			sb_ascii(s, d, n);
		}
		break;
	case POC_EV_NO_ACTION:
		sb_ascii(s, d, n);
		if (n >= SIG_LEN + 1 && memcmp(d, STARTUP_LOCALITY_SIG, SIG_LEN) == 0) {
			snprintf(tmp, sizeof(tmp), " %u", (unsigned)d[SIG_LEN]);
			sb_puts(s, tmp);
		}
		break;
	case POC_EV_POST_CODE:
	case POC_EV_IPL:
	case POC_EV_EVENT_TAG:
	case POC_EV_ACTION:
	case POC_EV_EFI_ACTION:
	case POC_EV_S_CRTM_CONTENTS:
	case POC_EV_PLATFORM_CONFIG_FLAGS:
	case POC_EV_COMPACT_HASH:
	case POC_EV_NONHOST_CODE:
	case POC_EV_NONHOST_CONFIG:
		sb_ascii(s, d, n);
		break;
	default:
		break;
	}
}

void poc_evlog_describe(const struct poc_evlog_event *ev, char *buf, size_t len)
{
	struct sb s = { buf, len, 0 };
	const uint8_t *d;
	size_t n;
	char tmp[32];

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	if (ev == NULL)
		return;
	d = ev->data;
	n = d != NULL ? ev->data_len : 0;
	sb_puts(&s, poc_evlog_type_name(ev->type));
	if (strcmp(poc_evlog_type_name(ev->type), "EV_UNKNOWN") == 0) {
		snprintf(tmp, sizeof(tmp), "(0x%08x)", (unsigned)ev->type);
		sb_puts(&s, tmp);
	}
	desc_data(&s, ev->type, d, n);
}
