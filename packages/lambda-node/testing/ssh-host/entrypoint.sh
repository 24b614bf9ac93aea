#!/usr/bin/env bash
# Starts the throwaway host: the authorized key from $AUTHORIZED_KEY, Docker, then sshd.
set -euo pipefail
printf '%s\n' "$AUTHORIZED_KEY" >/home/ubuntu/.ssh/authorized_keys
chown ubuntu /home/ubuntu/.ssh/authorized_keys && chmod 600 /home/ubuntu/.ssh/authorized_keys
ssh-keygen -A >/dev/null
service docker start >/dev/null
exec /usr/sbin/sshd -D -e
