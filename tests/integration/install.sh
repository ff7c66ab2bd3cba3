#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install like SoftHSM2 (docs/install.md): `configure --prefix=P && make && make install` run as an
# unprivileged user writes under P only (p11-kit's module and config folders of P, no .la, the
# default configuration, the store folder, the boot-secret helper and unit); DESTDIR puts it all
# under DESTDIR/P. The installed poctool and module read P's configuration and store (--sysconfdir,
# --localstatedir compiled in) and p11-kit loads the module by its installed .module file.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
U=nobody
if [ "$(id -u)" = 0 ]; then
	as_user() { runuser -u "$U" -- env -u POC_PKCS11_CONF HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" "$@"; }
else
	U=$(id -un)
	as_user() { env -u POC_PKCS11_CONF HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" "$@"; }
fi
P=$T/prefix B=$T/build
mkdir -p "$P" "$B" "$T/home" "$T/destdir"
chown "$U" "$P" "$B" "$T/home" "$T/destdir" && chmod 0755 "$T"

t_run 0 "configure --prefix=P as $U" as_user sh -c "cd '$B' && '$POC_SRCDIR/configure' -q --prefix='$P'"
t_run 0 "make as $U" as_user make -C "$B" -s -j2
t_run 0 "make install as $U (nothing outside P is writable)" as_user make -C "$B" -s install
SO=$P/lib/pkcs11/poc-pkcs11.so MOD=$P/share/p11-kit/modules/poc-pkcs11.module
[ -f "$SO" ] && t_ok "the module is in P's p11-kit module folder (P/lib/pkcs11)" || t_fail "no $SO"
[ ! -e "${SO%.so}.la" ] && t_ok "no libtool archive next to the module" || t_fail "${SO%.so}.la installed"
grep -qx "module: $SO" "$MOD" 2>/dev/null && t_ok "the .module file in P's p11-kit config folder names the installed module" ||
	{ t_fail "$MOD does not name $SO"; cat "$MOD" 2>&1 | t_diag; }
CONF=$P/etc/poc-pkcs11/poc-pkcs11.conf
[ -f "$CONF" ] && ! grep -qv '^#\|^$' "$CONF" && grep -q "^#store = $P/var/lib/poc-pkcs11$" "$CONF" &&
	t_ok "a commented default configuration in SYSCONFDIR naming LOCALSTATEDIR's store" || t_fail "no commented $CONF"
[ -d "$P/var/lib/poc-pkcs11" ] && t_ok "the store folder is made" || t_fail "no $P/var/lib/poc-pkcs11"
[ -x "$P/libexec/poc-pkcs11/poc-boot-secret" ] && t_ok "the boot-secret helper is in LIBEXECDIR/poc-pkcs11" ||
	t_fail "no boot-secret helper"
[ -f "$P/share/man/man1/poctool.1" ] && [ -f "$P/share/man/man5/poc-pkcs11.conf.5" ] && [ -f "$P/share/man/man7/poc-pkcs11.7" ] &&
	grep -q "^\.I $P/etc/poc-pkcs11/poc-pkcs11.conf$" "$P/share/man/man5/poc-pkcs11.conf.5" &&
	t_ok "man pages poctool(1), poc-pkcs11.conf(5), poc-pkcs11(7) installed, naming P's paths" || t_fail "man pages not installed"
[ -f "$P/share/bash-completion/completions/poctool" ] && t_ok "bash completion in P's bash-completion folder" ||
	t_fail "no bash completion installed"
UNIT=$P/lib/systemd/system/poc-boot-secret@.service
grep -q "^ExecStart=$P/libexec/poc-pkcs11/poc-boot-secret " "$UNIT" 2>/dev/null &&
	grep -q "^EnvironmentFile=$P/etc/poc-pkcs11/boot-secret/%i.conf" "$UNIT" &&
	t_ok "the unit names the installed helper and SYSCONFDIR" || t_fail "unit paths in $UNIT"
t_run 0 "systemd-analyze verify passes on the installed unit" systemd-analyze verify --man=no "$UNIT"
[ -z "$T_OUT" ] && t_ok "and says nothing" || { t_fail "systemd-analyze warns"; printf '%s\n' "$T_OUT" | t_diag; }
# Wants=/After=/Requires= of units this systemd does not have (tpm2.target before systemd 256).
missing=
for u in $(sed -nE 's/^(After|Wants|Requires|Before|Conflicts|WantedBy)=//p' "$UNIT" | tr ' ' '\n'); do
	systemctl cat "$u" >/dev/null 2>&1 || [ -e "/lib/systemd/system/$u" ] || [ -e "/usr/lib/systemd/system/$u" ] ||
		missing="$missing $u"
done
[ -z "$missing" ] && t_ok "every unit the unit names exists in this systemd" || t_fail "unknown units:$missing"

# DESTDIR: the same files under DESTDIR/P, nothing else.
t_run 0 "make install DESTDIR=D as $U" as_user make -C "$B" -s install DESTDIR="$T/destdir"
stray=$(cd "$T/destdir" && find . ! -type d | grep -v "^\.$P/" | head -5)
[ -z "$stray" ] && [ -f "$T/destdir$SO" ] && t_ok "DESTDIR install: every file under DESTDIR/P" ||
	{ t_fail "DESTDIR install: files outside DESTDIR/P"; printf '%s\n' "$stray" | t_diag; }
a=$(cd "$P" && find . ! -type d | sort) b=$(cd "$T/destdir$P" && find . ! -type d | sort)
[ "$a" = "$b" ] && t_ok "DESTDIR holds the same files as P" || { t_fail "DESTDIR and P differ"; diff <(echo "$a") <(echo "$b") | t_diag; }

# Use it: the installed configuration (no POC_PKCS11_CONF) points at a swtpm and the simulator;
# the store is the installed default.
poc_token_env inst || { echo "Bail out! test setup"; exit 1; }
chmod -R a+rX "$T/sim" "$T/policy.json" "$CA"
as_user sh -c "sed -n '/^tcti\|^tee/p' '$POC_PKCS11_CONF' >>'$CONF'"
IPOC=$P/bin/poctool
t_run 0 "the installed poctool reads P's configuration (init a token)" as_user "$IPOC" init --label inst --policy "$T/policy.json" --pin 1234
[ -d "$P/var/lib/poc-pkcs11/inst" ] && t_ok "the token lives in LOCALSTATEDIR's store" || t_fail "no token in $P/var/lib/poc-pkcs11"
t_run 0 "pkcs11-tool --module on the installed path: keypairgen" as_user pkcs11-tool --module "$SO" --token-label inst \
	--login --pin 1234 --keypairgen --key-type EC:prime256v1 --label k --id 01
mkdir -p "$T/home/.config/pkcs11" && ln -s "$P/share/p11-kit/modules" "$T/home/.config/pkcs11/modules"
echo "user-config: only" >"$T/home/.config/pkcs11/pkcs11.conf" && chown -R "$U" "$T/home"
t_run 0 "p11-kit list-modules through the installed .module file (user config -> P)" as_user p11-kit list-modules
t_has "$SO" "p11-kit loaded the installed module"
t_has "token: inst" "and lists its token"
head -c 32 /dev/urandom >"$T/data" && chmod a+r "$T/data"
t_run 0 "p11tool (GnuTLS through p11-kit) signs with the released key" as_user p11tool --login --set-pin=1234 \
	--test-sign "pkcs11:token=inst;object=k;type=private"
t_has "Verifying against public key in the token... ok" "the signature verifies against the token's public key"

t_run 0 "make uninstall as $U" as_user make -C "$B" -s uninstall
left=$(cd "$P" && find . ! -type d | grep -v '^\./var/lib/poc-pkcs11/\|^\./etc/poc-pkcs11/poc-pkcs11.conf$' | head -5)
[ -z "$left" ] && t_ok "uninstall leaves only the store's tokens and the edited configuration" ||
	{ t_fail "uninstall left files"; printf '%s\n' "$left" | t_diag; }
t_done
