#!/usr/bin/env bash
# Starts the throwaway host: the authorized key from $AUTHORIZED_KEY, Docker, then sshd.
set -euo pipefail
# A fresh node gets the launch's key and its own host keys (the image may carry some from its package
# install); a node that restarts (the rehearsal's kill-and-recover) keeps both as they are, as a
# rebooted machine does: a deploy key rotated in since then stays the one it accepts.
if [[ ! -f /etc/ssh/.sophia-first-boot-done ]]; then
  printf '%s\n' "$AUTHORIZED_KEY" >/home/ubuntu/.ssh/authorized_keys
  chown ubuntu /home/ubuntu/.ssh/authorized_keys && chmod 600 /home/ubuntu/.ssh/authorized_keys
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -A >/dev/null
  touch /etc/ssh/.sophia-first-boot-done
fi
# What systemd does at a Lambda node's boot: the node firewall, then the private network before
# Docker (its containers publish on the private address).
[[ -x /usr/local/sbin/sophia-firewall ]] && /usr/local/sbin/sophia-firewall || true
[[ -f /etc/wireguard/sophia-wg.conf ]] && wg-quick up sophia-wg 2>/dev/null || true
# This container's /proc/sys is read-only: Docker must not insist on turning IPv6 off per interface.
echo 'export DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1' >>/etc/default/docker
service docker start >/dev/null
exec /usr/sbin/sshd -D -e
