#!/bin/sh
# Installs the Debian 12 packages libattn needs to build and test, if any
# are missing. Safe to run repeatedly; does nothing when all are present.
set -eu
packages="build-essential cmake ninja-build meson pkg-config binutils
          libdnnl-dev libjansson-dev libutf8proc-dev libcmocka-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
