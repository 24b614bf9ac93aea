#!/usr/bin/env bash
# Prometheus's checkers at the versions the monitoring image runs: promtool, amtool and
# blackbox-exporter (its --config.check), and Prometheus itself (its snapshots' test), from Debian trixie's packages, the ones
# packages/monitoring/images/monitoring installs; and Caddy, as the ingress image has it (the read-only
# Docker proxy's test, packages/mcp-servers). A host's own may be older (Debian 12's amtool 0.25
# refuses `url_file`, which Alertmanager 0.28 reads webhook URLs from). Fetched from Debian's mirror,
# each .deb checked against the archive's signed release file (gpgv, Debian's keyring), unpacked
# under .cache/checkers (git-ignored); packages/monitoring's tests run the programs from there.
# Quiet when they are already there; FORCE=1 fetches again.
set -euo pipefail
cd "$(dirname "$0")/.."

mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=trixie
packages=(promtool prometheus-alertmanager prometheus-blackbox-exporter prometheus caddy)
dest=.cache/checkers
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if [[ "${FORCE:-0}" != "1" && -x "$dest/usr/bin/promtool" && -x "$dest/usr/bin/amtool" && -x "$dest/usr/bin/prometheus-blackbox-exporter" && -x "$dest/usr/bin/prometheus" && -x "$dest/usr/bin/caddy" ]]; then
  exit 0
fi
for tool in curl gpgv dpkg-deb xz sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch-checkers: '$tool' not found" >&2; exit 127; }
done
[[ -f $keyring ]] || { echo "fetch-checkers: $keyring not found (apt-get install debian-archive-keyring)" >&2; exit 1; }

arch="$(dpkg --print-architecture)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "fetch-checkers: $*" >&2; exit 1; }

curl -fsS -o "$work/InRelease" "$mirror/dists/$suite/InRelease" || fail "cannot fetch $mirror/dists/$suite/InRelease"
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>"$work/gpgv.log" || { cat "$work/gpgv.log" >&2; fail "the $suite release file's signature does not verify"; }
index="main/binary-$arch/Packages.xz"
index_sha=$(awk -v f="$index" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$work/Release")
[[ -n $index_sha ]] || fail "$index is not listed in the $suite release file"
curl -fsS -o "$work/Packages.xz" "$mirror/dists/$suite/$index" || fail "cannot fetch $index"
echo "$index_sha  $work/Packages.xz" | sha256sum -c --quiet - || fail "$index does not match the signed release file"
xz -dc "$work/Packages.xz" >"$work/Packages"

rm -rf "$dest" && mkdir -p "$dest"
for package in "${packages[@]}"; do
  read -r file sha version < <(awk -v p="$package" '
    $1 == "Package:" { on = ($2 == p) }
    on && $1 == "Version:" { v = $2 }
    on && $1 == "Filename:" { f = $2 }
    on && $1 == "SHA256:" { s = $2 }
    on && /^$/ { if (f) { print f, s, v; exit } }' "$work/Packages")
  [[ -n ${file:-} ]] || fail "$package is not in $suite's $arch index"
  curl -fsS -o "$work/$package.deb" "$mirror/$file" || fail "cannot fetch $mirror/$file"
  echo "$sha  $work/$package.deb" | sha256sum -c --quiet - || fail "$file does not match the signed index"
  dpkg-deb -x "$work/$package.deb" "$dest"
  echo "checker $package $version from Debian $suite"
done
