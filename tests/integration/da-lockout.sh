#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10 item 12: dictionary-attack lockout must not stop the check. Everything a check uses
# is noDA (the AK, the SRK, the sealed objects) or authorised without DA (the EK: a
# PolicySecret of the endorsement hierarchy). Mounted from outside with tpm2-tools: a
# DA-protected sealed object of our own, unsealed with wrong passwords until the TPM is in
# lockout (a DA-protected AK, the old template, then cannot quote: the control that the
# lockout is real); `poctool release` and `poctool attest` still work. Also: `poctool init`
# replaces the DA-protected AK an earlier version made persistent at 0x81010003 (an
# endorsement primary of the old template), and leaves a look-alike of someone else's (an
# owner-hierarchy primary of the same template) where it is.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
export TSS2_LOG=all+NONE

poc_token_env lock "ttl = 1" || { echo "Bail out! test setup"; exit 1; }
AK=0x81010003
OLD_ATTRS='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign'
name_at() { tpm2_readpublic -c "$1" 2>/dev/null | sed -n 's/^name: //p'; }
attrs_at() { tpm2_readpublic -c "$1" 2>/dev/null | sed -n '/^attributes:/{n;s/^ *value: //p}'; }
# old_ak HIERARCHY: the AK template of before (no noDA) as a primary of HIERARCHY, made persistent at $AK.
old_ak() {
	tpm2_createprimary -C "$1" -G ecc256:ecdsa-sha256:null -a "$OLD_ATTRS" -c "$T/old-$1.ctx" >/dev/null &&
		tpm2_evictcontrol -C o -c "$T/old-$1.ctx" $AK >/dev/null && tpm2_flushcontext -t
}
release() { # TOKEN LABEL WANT-FILE
	local out rc
	out=$("$POCTOOL" release --token "$1" --label "$2" 2>"$T/err")
	rc=$?
	[ $rc = 0 ] && [ "$out" = "$(cat "$3")" ] && return 0
	echo "exit $rc: $(cat "$T/err")"
	return 1
}

# Someone else's look-alike (owner hierarchy, the old AK template): init leaves it alone.
t_run 0 "an owner-hierarchy object of the old AK template at $AK" old_ak o
other=$(name_at $AK)
t_run 0 "poctool init (handle taken by someone else)" "$POCTOOL" init --label other --policy "$T/policy.json"
[ -n "$other" ] && [ "$(name_at $AK)" = "$other" ] && t_ok "... leaves it at $AK, unchanged" ||
	t_fail "... leaves it at $AK (was $other, now $(name_at $AK))"
t_run 0 "evict it" tpm2_evictcontrol -C o -c $AK

# The AK an earlier version made persistent: the endorsement primary of the old template.
t_run 0 "the old, DA-protected AK at $AK (endorsement primary)" old_ak e
old=$(name_at $AK)
case $(attrs_at $AK) in *noda*) t_fail "... is DA-protected" ;; *) t_ok "... is DA-protected" ;; esac
t_run 0 "poctool init" "$POCTOOL" init --label tok --policy "$T/policy.json"
new=$(name_at $AK)
[ -n "$new" ] && [ "$new" != "$old" ] && t_ok "... replaced the old AK at $AK" || t_fail "... replaced the old AK ($old -> $new)"
case $(attrs_at $AK) in *noda*) t_ok "... with a noDA AK" ;; *) t_fail "... with a noDA AK ($(attrs_at $AK))" ;; esac
t_run 0 "poctool init again" "$POCTOOL" init --label tok2 --policy "$T/policy.json"
[ "$(name_at $AK)" = "$new" ] && t_ok "... keeps today's AK" || t_fail "... keeps today's AK"

printf 'disk-key-%s' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$T/secret"
t_run 0 "seal" "$POCTOOL" seal --token tok --label disk --in "$T/secret"
t_run 0 "control: release before the lockout" release tok disk "$T/secret"

# Lockout: a DA-protected sealed object with a password, unsealed with wrong ones.
t_run 0 "DA parameters: 3 tries, 1000 s recovery" tpm2_dictionarylockout -s -n 3 -t 1000 -l 1000
echo da-secret >"$T/da.in"
t_run 0 "a DA-protected sealed object" bash -c "tpm2_createprimary -C o -c '$T/p.ctx' >/dev/null && tpm2_flushcontext -t &&
	tpm2_create -C '$T/p.ctx' -p right -i '$T/da.in' -u '$T/da.pub' -r '$T/da.priv' >/dev/null && tpm2_flushcontext -t &&
	tpm2_load -C '$T/p.ctx' -u '$T/da.pub' -r '$T/da.priv' -c '$T/da.ctx' >/dev/null && tpm2_flushcontext -t"
wrong=0
for i in 1 2 3 4; do
	tpm2_unseal -c "$T/da.ctx" -p "wrong$i" >/dev/null 2>&1 || wrong=$((wrong + 1))
	tpm2_flushcontext -t >/dev/null 2>&1
done
[ $wrong = 4 ] && t_ok "four wrong passwords refused" || t_fail "four wrong passwords refused ($wrong)"
t_run 1 "the right password is now refused too" bash -c "tpm2_unseal -c '$T/da.ctx' -p right; rc=\$?; tpm2_flushcontext -t; exit \$rc"
t_has "lockout" "... the TPM is in dictionary-attack lockout"
# The control: the old AK template (DA-protected) cannot quote now; today's AK can.
t_run 1 "a DA-protected AK (the old template) cannot quote in lockout" bash -c "tpm2_createprimary -C e \
	-G ecc256:ecdsa-sha256:null -a '$OLD_ATTRS' -c '$T/oldq.ctx' >/dev/null &&
	{ tpm2_quote -c '$T/oldq.ctx' -l sha256:0 -q 00 -m '$T/q.m' -s '$T/q.s' 2>&1; rc=\$?; tpm2_flushcontext -t; exit \$rc; }"
t_has "lockout" "... refused for the lockout"
t_run 0 "today's AK ($AK) quotes in lockout" bash -c "tpm2_quote -c $AK -l sha256:0 -q 00 -m '$T/q.m' -s '$T/q.s' >/dev/null"

# The checks, in lockout.
sleep 1.1 # past the ttl: the release runs a new check
t_run 0 "poctool release in lockout (a new check)" release tok disk "$T/secret"
t_run 0 "poctool attest in lockout" "$POCTOOL" attest -o "$T/attest.cbor"
t_run 0 "a new token's init, seal and release in lockout" bash -c "'$POCTOOL' init --label tok3 --policy '$T/policy.json' \
	>/dev/null && '$POCTOOL' seal --token tok3 --label s --in '$T/secret' >/dev/null &&
	[ \"\$('$POCTOOL' release --token tok3 --label s)\" = \"\$(cat '$T/secret')\" ]"
# The check derives today's AK when the handle holds someone else's object: also in lockout.
t_run 0 "move today's AK away, put the old one back" bash -c "tpm2_evictcontrol -C o -c $AK >/dev/null &&
	tpm2_createprimary -C o -G ecc256:ecdsa-sha256:null -a '$OLD_ATTRS' -c '$T/o2.ctx' >/dev/null &&
	tpm2_evictcontrol -C o -c '$T/o2.ctx' $AK >/dev/null && tpm2_flushcontext -t"
sleep 1.1
t_run 0 "poctool release in lockout, the AK derived" release tok disk "$T/secret"
t_run 0 "still in lockout (the right password is refused)" bash -c "tpm2_getcap properties-variable | grep -iE 'inLockout: *1'"

t_done
