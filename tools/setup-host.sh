#!/usr/bin/env bash
# What the tests and the local deploy need from this machine, set up if missing: a Docker engine that answers, Go (Telegraf is built from source), the
# tools the real-engine tests call (debootstrap, ssh), Prometheus's checkers, and the local base image (no registry is
# reachable, so every image is built on it). Installs from Debian's packages and starts dockerd
# only when running as root; otherwise says what to do. Quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

can_install() { [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; }
need_packages=()
# A docker client alone is not enough: the engine (dockerd) is what the tests need.
command -v dockerd >/dev/null || need_packages+=(docker.io)
command -v debootstrap >/dev/null || need_packages+=(debootstrap)
command -v ssh >/dev/null || need_packages+=(openssh-client)
command -v python3 >/dev/null || need_packages+=(python3)  # the stub model's unit test
# The monitoring image builds Telegraf from its Go module (tools/build-image-contexts.ts).
command -v go >/dev/null || { echo "tests need Go >= 1.24 to build Telegraf for the local monitoring image (https://go.dev/dl/)" >&2; exit 1; }
if ((${#need_packages[@]})); then
  can_install || { echo "tests need: ${need_packages[*]} (apt-get install -y ${need_packages[*]})" >&2; exit 1; }
  echo "installing ${need_packages[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  [[ $EUID -eq 0 ]] || { echo "tests need a running Docker engine: start it (sudo systemctl start docker)" >&2; exit 1; }
  echo "starting dockerd (log: /var/log/sophia-dockerd.log)"
  nohup dockerd >/var/log/sophia-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/sophia-dockerd.log >&2; echo "dockerd did not start within 30s" >&2; exit 1; }
fi

# Prometheus's own checkers for the generated monitoring files, at the image's versions.
bash tools/fetch-checkers.sh
bash tools/build-base-image.sh "${SOPHIA_BASE_IMAGE:-sophia/base:trixie}"
