#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# examples/boot-secret: a LUKS2 container in a file opens with the key released after the
# Proof-of-Cloud check; after a PCR changes the key stays sealed and the volume locked.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
BOOT=$POC_SRCDIR/examples/boot-secret/poc-boot-secret

poc_token_env one || { echo "Bail out! test setup"; exit 1; }
export POCTOOL

t_run 0 "a token for boot secrets" "$POCTOOL" init --label boot --policy "$T/policy.json"
head -c 64 /dev/urandom >"$T/disk.key"
truncate -s 20M "$T/disk.img"
# PBKDF2 with few iterations: the test measures our release, not Argon2's memory cost.
t_run 0 "a LUKS2 container in a file" cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 --key-file "$T/disk.key" "$T/disk.img"
t_run 0 "seal the disk key" "$POCTOOL" seal --token boot --label data --in "$T/disk.key"
rm -f "$T/disk.key"
t_run 0 "the released key opens the volume (cryptsetup --test-passphrase)" "$BOOT" --token boot --label data --device "$T/disk.img" --test
t_has "opens" "says so"
# The unit as built names LIBEXECDIR's helper; verify a copy that runs the tree's script
# (tests/integration/install.sh verifies the installed one).
sed "s|^ExecStart=[^ ]*|ExecStart=$BOOT|" "$POC_BUILDDIR/examples/boot-secret/poc-boot-secret@.service" \
	>"$T/poc-boot-secret@.service"
t_run 0 "the systemd unit is well-formed (systemd-analyze verify)" systemd-analyze verify --man=no "$T/poc-boot-secret@data.service"
tpm2_pcrextend 4:sha256=0000000000000000000000000000000000000000000000000000000000000004 >/dev/null
t_run 1 "after a PCR changed, the volume stays locked" "$BOOT" --token boot --label data --device "$T/disk.img" --test
t_has "stays locked" "says the volume stays locked"
t_has "PCR" "says why (the PCR policy)"
t_run 2 "usage errors exit 2" "$BOOT" --token boot
t_done
