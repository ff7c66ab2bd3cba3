#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages poc-pkcs11 builds and tests with (no-op when present).
set -euo pipefail
PKGS=(
	build-essential autoconf automake libtool pkg-config clang libclang-rt-14-dev valgrind
	libssl-dev libtss2-dev libcbor-dev libjson-c-dev libp11-kit-dev p11-kit libcmocka-dev
	swtpm swtpm-tools tpm2-tools opensc gnutls-bin libengine-pkcs11-openssl nginx cryptsetup-bin systemd
	softhsm2 libtpm2-pkcs11-1 libtpm2-pkcs11-tools tpm2-abrmd libtss2-tcti-tabrmd0 dbus curl xxd
	python3 python3-cbor2 python3-cryptography
	postgresql-15 libmicrohttpd-dev libpq-dev libcurl4-openssl-dev util-linux
	postgresql-15-auto-failover pg-auto-failover-cli haproxy
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "==> installing Debian packages: ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
