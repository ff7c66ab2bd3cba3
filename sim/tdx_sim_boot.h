/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A simulated TD boot: the CCEL event log (crypto-agile, SHA-384) that TDVF
 * and the loaders after it would write, for `poctool sim boot` and the
 * attestation-level tests (docs/levels.md). RTMR0 (MR index 1): the
 * configuration firmware volume, the TD HOB, ACPI tables and the Secure Boot
 * variables; RTMR1 (2): the UKI as an EV_EFI_BOOT_SERVICES_APPLICATION whose
 * digest is its Authenticode digest; RTMR2 (3): the kernel command line the
 * UKI's stub measured (EV_IPL, the digest is SHA-384 of the text).
 * `poctool sim quote --ccel` replays the log into the quote's RTMRs.
 */
#ifndef POC_TDX_SIM_BOOT_H
#define POC_TDX_SIM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

struct poc_sim_boot {
	int secure_boot;           /* the SecureBoot variable: 1 or 0 */
	const uint8_t *uki_digest; /* 48 bytes, or NULL: no UKI (the boot stops after the firmware) */
	const char *cmdline;       /* NULL: none measured */
};

/* The log, malloc'd into *out. */
int poc_sim_boot_log(struct poc_err *e, const struct poc_sim_boot *b, uint8_t **out, size_t *len);

#endif
