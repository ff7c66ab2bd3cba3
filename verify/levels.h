/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attestation levels (docs/levels.md; Scopelliti, Baumann, Mühlberg):
 *   AL1 = T ∧ Bind            T: DCAP chain, QE identity, TCB in the accepted
 *                              set, DEBUG off; Bind: the binding held
 *   AL2 = AL1 ∧ MRTD ∈ reference.mrtd ∧ R0 (the CCEL replays RTMR0 and its
 *         events are firmware events), or nominally L0,1,7 (the vTPM's log)
 *   AL3 = AL2 ∧ kernel, initrd and command line identified: a UKI (boot
 *         application in RTMR1 / PCR 4, Authenticode digest ∈ reference.uki,
 *         Secure Boot on), grub's kernel_cmdline and file events (RTMR2 /
 *         PCR 8,9) with the files ∈ reference.uki, or PCR 11 pinned
 *         ($.vtpm.pcrs.sha256.11: a systemd-measure prediction)
 *   AL4 = AL3 ∧ the dm-verity root hash of that command line ∈
 *         reference.verity_roothash
 * The nominal level trusts every measurer and reference value; the
 * trustworthy level counts only TDX registers (MRTD, RTMRs through the
 * CCEL) and reference values of CSP-independent provenance. Pure: computed
 * from the bundle and the policy alone, so a record can be re-checked.
 */
#ifndef POC_LEVELS_H
#define POC_LEVELS_H

#include <stddef.h>

#define POC_LEVELS_MAX_ITEMS 12

struct poc_levels {
	int nominal, trustworthy; /* 0-4 */
	/* The registers and events each level rests on ("T: ...", "AL2: MRTD ..."). */
	size_t nbasis;
	char basis[POC_LEVELS_MAX_ITEMS][128];
	/* The CSP components the nominal level rests on (none: it equals the trustworthy level). */
	size_t ntrusts;
	char trusts[POC_LEVELS_MAX_ITEMS][96];
	/* What the next level lacks: "AL2 needs reference.mrtd; MRTD 0x.. not in reference values". */
	char need_nominal[256], need_trustworthy[256];
};

#endif
