#!/usr/bin/env bash
# Starts the throwaway host: the authorized key from $AUTHORIZED_KEY, Docker, then sshd.
set -euo pipefail
printf '%s\n' "$AUTHORIZED_KEY" >/home/ubuntu/.ssh/authorized_keys
chown ubuntu /home/ubuntu/.ssh/authorized_keys && chmod 600 /home/ubuntu/.ssh/authorized_keys
# A fresh node has its own host keys (the image may carry some from its package install).
rm -f /etc/ssh/ssh_host_*
ssh-keygen -A >/dev/null
# This container's /proc/sys is read-only: Docker must not insist on turning IPv6 off per interface.
echo 'export DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1' >>/etc/default/docker
service docker start >/dev/null
exec /usr/sbin/sshd -D -e
