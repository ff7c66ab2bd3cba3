/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCG PC Client crypto-agile event logs (the Linux binary_bios_measurements
 * format, also used by the TDX CCEL): parse, replay into PCR banks, compare
 * with quoted values, and describe events for humans.
 */
#ifndef POC_EVENT_LOG_H
#define POC_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "pcrs.h"
#include "verr.h"

#define POC_EVLOG_MAX_ALGS 8

/* Event types (TCG PC Client PFP spec, section 10.4.1). */
#define POC_EV_PREBOOT_CERT 0x00000000u
#define POC_EV_POST_CODE 0x00000001u
#define POC_EV_NO_ACTION 0x00000003u
#define POC_EV_SEPARATOR 0x00000004u
#define POC_EV_ACTION 0x00000005u
#define POC_EV_EVENT_TAG 0x00000006u
#define POC_EV_S_CRTM_CONTENTS 0x00000007u
#define POC_EV_S_CRTM_VERSION 0x00000008u
#define POC_EV_CPU_MICROCODE 0x00000009u
#define POC_EV_PLATFORM_CONFIG_FLAGS 0x0000000Au
#define POC_EV_TABLE_OF_DEVICES 0x0000000Bu
#define POC_EV_COMPACT_HASH 0x0000000Cu
#define POC_EV_IPL 0x0000000Du
#define POC_EV_IPL_PARTITION_DATA 0x0000000Eu
#define POC_EV_NONHOST_CODE 0x0000000Fu
#define POC_EV_NONHOST_CONFIG 0x00000010u
#define POC_EV_NONHOST_INFO 0x00000011u
#define POC_EV_OMIT_BOOT_DEVICE_EVENTS 0x00000012u
#define POC_EV_EFI_EVENT_BASE 0x80000000u
#define POC_EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define POC_EV_EFI_VARIABLE_BOOT 0x80000002u
#define POC_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define POC_EV_EFI_BOOT_SERVICES_DRIVER 0x80000004u
#define POC_EV_EFI_RUNTIME_SERVICES_DRIVER 0x80000005u
#define POC_EV_EFI_GPT_EVENT 0x80000006u
#define POC_EV_EFI_ACTION 0x80000007u
#define POC_EV_EFI_PLATFORM_FIRMWARE_BLOB 0x80000008u
#define POC_EV_EFI_HANDOFF_TABLES 0x80000009u
#define POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000Au
#define POC_EV_EFI_HANDOFF_TABLES2 0x8000000Bu
#define POC_EV_EFI_VARIABLE_BOOT2 0x8000000Cu
#define POC_EV_EFI_GPT_EVENT2 0x8000000Du
#define POC_EV_EFI_HCRTM_EVENT 0x80000010u
#define POC_EV_EFI_VARIABLE_AUTHORITY 0x800000E0u
#define POC_EV_EFI_SPDM_FIRMWARE_BLOB 0x800000E1u
#define POC_EV_EFI_SPDM_FIRMWARE_CONFIG 0x800000E2u

/* GCE NonHostInfo technology byte values. */
#define POC_GCE_TECH_NONE 0
#define POC_GCE_TECH_SEV 1
#define POC_GCE_TECH_SEV_ES 2
#define POC_GCE_TECH_TDX 3
#define POC_GCE_TECH_SEV_SNP 4

struct poc_evlog_digest {
	uint16_t alg;
	uint8_t d[64];
};

struct poc_evlog_event {
	uint32_t pcr;  /* PCR index (in a CCEL: the CC measurement register index) */
	uint32_t type; /* POC_EV_* */
	size_t ndigests;
	struct poc_evlog_digest digests[POC_EVLOG_MAX_ALGS];
	const uint8_t *data; /* the event data, pointing into the parsed buffer */
	size_t data_len;
	size_t offset; /* byte offset of the event in the log */
};

struct poc_evlog {
	struct poc_evlog_event *ev; /* the TCG_PCR_EVENT2 events; the Spec ID header is not one */
	size_t nevents;
	size_t nalgs;
	uint16_t algs[POC_EVLOG_MAX_ALGS]; /* from the Spec ID Event03, in log order */
	uint8_t startup_locality;          /* from a StartupLocality event, else 0 */
	size_t len;                        /* bytes parsed; trailing padding excluded */
};

/*
 * Parses a crypto-agile log. Events point into buf, which must outlive out.
 * The first event must be a TCG_PCR_EVENT carrying "Spec ID Event03" (kept
 * as algs/nalgs, not in ev[]); every later TCG_PCR_EVENT2 may list only the
 * algorithms it declares, each once, sized as it declares. Parsing
 * stops cleanly where an event header would start with all-zero or all-0xFF
 * bytes (pcrIndex and eventType both 0 or both 0xFFFFFFFF): the padding that
 * CCEL areas and some firmware leave after the last event.
 */
int poc_evlog_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_evlog *out);
/* Frees out->ev and zeroes the struct; NULL-safe. */
void poc_evlog_free(struct poc_evlog *log);

/*
 * Replays every event into bank alg's PCRs 0..23, each starting at its reset
 * value (poc_evlog_reset_value; PCR0's last byte is the startup locality);
 * sets out->alg and out->mask (PCRs that got any extending event).
 * EV_NO_ACTION events are not extended.
 */
int poc_evlog_replay(struct poc_err *e, const struct poc_evlog *log, uint16_t alg,
		     struct poc_pcr_bank *out);

/*
 * A component's digest to substitute in a prediction: every PCR pcr event
 * whose digest (in the replayed bank) is old_digest counts as new_digest.
 */
struct poc_evlog_subst {
	uint32_t pcr;
	uint8_t old_digest[POC_DIGEST_MAX];
	uint8_t new_digest[POC_DIGEST_MAX];
	size_t hits; /* set by poc_evlog_predict: events it replaced */
};

/*
 * The PCRs of the next boot (docs/updates.md "Prediction"): the replay of
 * poc_evlog_replay with each event digest of subs replaced (an updated
 * shim, boot loader or kernel measured into PCR 4, a new db entry into 7).
 * A substitution that matches no event fails (POC_ERR_MISMATCH): the
 * prediction would silently be the old boot's. Pure; subs NULL/0: a replay.
 */
int poc_evlog_predict(struct poc_err *e, const struct poc_evlog *log, uint16_t alg, struct poc_evlog_subst *subs,
		      size_t nsubs, struct poc_pcr_bank *out);

/*
 * Strict: every PCR in mask must be quoted and equal the replay of bank
 * quoted->alg, so a PCR no event extends must hold its reset value (a log
 * trimmed of a PCR's events fails). POC_ERR_MISMATCH names the bank, the
 * PCR, replayed vs quoted (hex, shortened), the number of events extending
 * it and its last event; a log without the bank's digests fails too.
 */
int poc_evlog_check(struct poc_err *e, const struct poc_evlog *log,
		    const struct poc_pcr_bank *quoted, uint32_t mask);

/* The log's Spec ID event declares alg. */
int poc_evlog_has_alg(const struct poc_evlog *log, uint16_t alg);
/* PCRs (bit i = PCR i) that at least one event other than EV_NO_ACTION extends. */
uint32_t poc_evlog_extended_mask(const struct poc_evlog *log);
/* A PCR's value at TPM2_Startup: zeros, all ones for the D-RTM PCRs 17-22. */
void poc_evlog_reset_value(uint16_t alg, unsigned pcr, uint8_t out[POC_DIGEST_MAX]);

/*
 * A one-line description into buf (always NUL-terminated when len > 0): the
 * type name plus decoded data (EFI variable name, boot application file path,
 * CRTM version, printable strings, GCE NonHostInfo technology). Never reads
 * past ev->data_len.
 */
void poc_evlog_describe(const struct poc_evlog_event *ev, char *buf, size_t len);
/* "EV_SEPARATOR", ...; "EV_UNKNOWN" for types it does not know. */
const char *poc_evlog_type_name(uint32_t type);
/* The GCE NonHostInfo technology byte if the log holds that event, else -1. */
int poc_evlog_gce_technology(const struct poc_evlog *log);

/* The digest of ev for alg, or NULL when ev lacks it (shared with ccel.c). */
const uint8_t *poc_evlog_event_digest(const struct poc_evlog_event *ev, uint16_t alg);
/*
 * For mismatch messages: 4 bytes of a and b in hex from where they first
 * differ, with "..." marking what is left out (shared with ccel.c).
 */
void poc_evlog_hex_diff(const uint8_t *a, const uint8_t *b, size_t len, char oa[24], char ob[24]);

#endif
