#!/usr/bin/env bash
# Builds the local base image that every Dockerfile here takes as BASE_IMAGE when no
# container registry is reachable (this workplace, air-gapped sites): Debian trixie from
# Debian's own package mirror via debootstrap, imported into the local engine.
# Usage: tools/build-base-image.sh [image-name]   (default sophia/base:trixie)
# Skips the build when the image already exists at this script's version; FORCE=1 rebuilds.
set -euo pipefail

image="${1:-sophia/base:trixie}"
suite="trixie"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Runtimes the platform's images need: Node.js (MCP servers), Python (Agno), Caddy (ingress);
# curl for health checks.
packages="ca-certificates,curl,nodejs,python3,python3-venv,caddy,tini"
# Bumped whenever the image's content or config changes, so existing machines rebuild it.
# 2: PATH in the image config (BuildKit, unlike Docker 20.10's classic builder, supplies none).
version=2

if [[ "${FORCE:-0}" != "1" ]] && [[ "$(docker image inspect "$image" --format '{{index .Config.Labels "sophia.base-version"}}' 2>/dev/null)" == "$version" ]]; then
  echo "base image $image already present (FORCE=1 rebuilds)"
  exit 0
fi
for tool in debootstrap docker; do
  command -v "$tool" >/dev/null || { echo "build-base-image: '$tool' not found; install it (apt-get install -y debootstrap docker.io)" >&2; exit 127; }
done

rootfs="$(mktemp -d /tmp/sophia-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
started=$SECONDS
echo "debootstrap $suite ($packages) into $rootfs"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
  || { tail -20 "$rootfs.log" >&2; echo "build-base-image: debootstrap failed (log: $rootfs.log)" >&2; exit 1; }
rm -f "$rootfs.log"
# Keep the image small: apt lists and caches are not needed at run time.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL sophia.base-version=$version" \
  - "$image" >/dev/null
echo "built $image in $((SECONDS - started))s: $(docker image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MiB", $1/1048576}')"
