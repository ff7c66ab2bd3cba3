/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What boot events say, for the attestation levels (levels.c): the Secure
 * Boot variable, the kernel command line a boot loader or stub measured,
 * grub's file measurements, and a dm-verity root hash in a command line.
 * Each reads one event's data (pointer, length) and never past it.
 */
#ifndef POC_LEVELS_BOOT_H
#define POC_LEVELS_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "event_log.h"

#define POC_CMDLINE_MAX 4096

/* An EV_EFI_VARIABLE_DRIVER_CONFIG of the EFI global variable SecureBoot: 1 on, 0 off; -1 for any other event. */
int poc_boot_secure_boot(const struct poc_evlog_event *ev);

/*
 * A measured kernel command line whose digest for alg is the hash of its
 * text, so the text is what the register holds: grub's EV_IPL
 * "kernel_cmdline: TEXT" (the digest covers TEXT), or an EV_IPL /
 * EV_EVENT_TAG whose data is the command line itself, ASCII or UTF-16LE
 * (systemd-stub's and the EFI stub's load options; the digest covers the
 * data). 1 with the text in out (NUL-terminated, ASCII), else 0.
 */
int poc_boot_cmdline(const struct poc_evlog_event *ev, uint16_t alg, char *out, size_t outlen);

/*
 * grub's measurement of a file it read (grub.cfg, kernel, initrd, a module): EV_IPL whose data is
 * its path, "/..." or "(device)/..." (any bytes after: grub names files with spaces too).
 */
int poc_boot_grub_file(const struct poc_evlog_event *ev);

/*
 * The dm-verity root hash a command line enforces (cmdline_verity.c), its parameters split as
 * the kernel splits them (quotes group; '-' and '_' alike in names): every root hash it names
 * ("roothash=HEX", "rd.roothash=HEX", the root hash of a "dm-mod.create=... verity ..." table,
 * the digest after the hash algorithm) the same, one dm-mod.create, root= naming that verity
 * device (/dev/dm-N, /dev/mapper/NAME; for roothash= none or /dev/mapper/root), no verification
 * switched off (systemd.verity=0, ignore-corruption). 1 with the bytes in out (at most 64), else
 * 0 with why (when not NULL) saying what is missing or wrong.
 */
int poc_boot_verity(const char *cmdline, uint8_t out[64], size_t *len, char *why, size_t wl);
int poc_boot_roothash(const char *cmdline, uint8_t out[64], size_t *len);

#endif
