#!/usr/bin/env bash
# Sophia node bootstrap, for Ubuntu 22.04 with Lambda Stack (Lambda Cloud's image).
# Run as root over SSH by the lambda-node component: `sudo env SOPHIA_…=… bash -s < bootstrap.sh`.
# Idempotent: every step compares the host with what it should be and only acts on a difference,
# so a second run reports `changed=0`. The last line is the summary the program records.
#
# Inputs (environment):
#   SOPHIA_SSH_CIDRS, SOPHIA_INGRESS_CIDRS  space-separated IPv4 CIDRs allowed in
#   SOPHIA_INGRESS_PORT                     the MCP ingress port
#   SOPHIA_LOG_MAX_SIZE_MIB, SOPHIA_LOG_MAX_FILES   Docker log rotation
#   SOPHIA_EXPECT_GPUS                      GPUs the instance type has (0 on CPU-only hosts)
#   SOPHIA_GPU_CHECK_IMAGE                  image for the "a container sees the GPUs" check
#   SOPHIA_SSH_CLIENT                       the caller's $SSH_CLIENT, to refuse a self-lockout
#   SOPHIA_DATA_DIRS                        optional: space-separated PATH=UID:GID, directories of
#                                           stateful volumes on a persistent filesystem (/lambda/nfs/<fs>/…)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

changed=() unchanged=() skipped=()
ok() { unchanged+=("$1"); echo "ok       $1"; }
did() { changed+=("$1"); echo "changed  $1: $2"; }
skip() { skipped+=("$1"); echo "SKIPPED  $1: $2"; }
note() { echo "note     $1"; }
die() { echo "bootstrap failed: $1" >&2; exit 1; }

for var in SOPHIA_SSH_CIDRS SOPHIA_INGRESS_CIDRS SOPHIA_INGRESS_PORT SOPHIA_LOG_MAX_SIZE_MIB SOPHIA_LOG_MAX_FILES SOPHIA_EXPECT_GPUS SOPHIA_GPU_CHECK_IMAGE; do
  [[ -n "${!var:-}" ]] || die "$var is not set; the lambda-node component sets it"
done
[[ $EUID -eq 0 ]] || die "must run as root (the component runs it with sudo)"

# write_if_changed PATH MODE CONTENT: writes atomically; returns 0 when the file changed.
write_if_changed() {
  local path=$1 mode=$2 content=$3
  if [[ -f "$path" && "$(cat "$path")" == "$content" ]]; then return 1; fi
  mkdir -p "$(dirname "$path")"
  printf '%s\n' "$content" >"$path.sophia-new"
  chmod "$mode" "$path.sophia-new"
  mv "$path.sophia-new" "$path"
}

ip_to_int() { local IFS=.; read -r a b c d <<<"$1"; echo $(((a << 24) | (b << 16) | (c << 8) | d)); }
# in_cidr IP CIDR: is IP inside CIDR?
in_cidr() {
  local ip net bits mask
  ip=$(ip_to_int "$1"); net=$(ip_to_int "${2%/*}"); bits=${2#*/}
  mask=$(((0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF))
  (((ip & mask) == (net & mask)))
}

has_systemd() { [[ -d /run/systemd/system ]]; }

# --- preflight: what the deployment strategy asks of a node (reported, not enforced) ---------
. /etc/os-release
[[ "${ID:-}" == ubuntu && "${VERSION_ID:-}" == 22.04 ]] || note "written for Ubuntu 22.04; this host is ${PRETTY_NAME:-unknown}"
mem_gib=$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)
nvme=$( (ls /dev/nvme*n1 2>/dev/null || true) | wc -l)
note "host: $(nproc) cores, ${mem_gib} GiB RAM, ${nvme} NVMe disk(s) (strategy: 8+ cores, 32+ GiB, NVMe)"

# Refuse a firewall that would cut off the session applying it.
client_ip=${SOPHIA_SSH_CLIENT%% *}
if [[ -n "$client_ip" ]]; then
  allowed=no
  for cidr in $SOPHIA_SSH_CIDRS; do in_cidr "$client_ip" "$cidr" && allowed=yes; done
  [[ $allowed == yes ]] || die "this SSH session comes from $client_ip, which is outside SOPHIA_SSH_CIDRS ($SOPHIA_SSH_CIDRS); the firewall would lock it out"
fi

# --- packages ---------------------------------------------------------------------------------
missing=()
for pkg in unattended-upgrades iptables; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
# Lambda Stack ships Docker; install Ubuntu's docker.io only where it is absent.
command -v dockerd >/dev/null || missing+=(docker.io)
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  did packages "installed ${missing[*]}"
else
  ok packages
fi

# --- unattended security updates ------------------------------------------------------------
if write_if_changed /etc/apt/apt.conf.d/20auto-upgrades 0644 'APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";'; then
  did unattended-upgrades "enabled daily security updates"
else
  ok unattended-upgrades
fi

# --- docker daemon: log rotation, live-restore (containers survive a daemon restart), GPU runtime
gpu_runtime=""
if command -v nvidia-container-runtime >/dev/null; then
  gpu_runtime=',
  "runtimes": { "nvidia": { "path": "nvidia-container-runtime", "runtimeArgs": [] } }'
fi
daemon_json="{
  \"log-driver\": \"json-file\",
  \"log-opts\": { \"max-size\": \"${SOPHIA_LOG_MAX_SIZE_MIB}m\", \"max-file\": \"${SOPHIA_LOG_MAX_FILES}\" },
  \"live-restore\": true${gpu_runtime}
}"
docker_up() { timeout 5 docker info >/dev/null 2>&1; }
restart_docker() {
  if has_systemd; then systemctl restart docker; else service docker restart >/dev/null || service docker start >/dev/null; fi
  for _ in $(seq 1 60); do docker_up && return 0; sleep 0.5; done
  die "docker did not come back within 30s after a restart"
}
if write_if_changed /etc/docker/daemon.json 0644 "$daemon_json"; then
  restart_docker
  did docker-daemon "wrote /etc/docker/daemon.json and restarted docker"
elif ! docker_up; then
  restart_docker
  did docker-daemon "docker was not running; started it"
else
  ok docker-daemon
fi
[[ "$(docker info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}')" == "true json-file" ]] \
  || die "docker runs without live-restore or json-file logging although /etc/docker/daemon.json asks for them"

# The SSH user drives Docker remotely (the Pulumi docker provider's ssh:// host).
if [[ -n "${SUDO_USER:-}" && "$SUDO_USER" != root ]]; then
  if id -nG "$SUDO_USER" | tr ' ' '\n' | grep -qx docker; then
    ok docker-group
  else
    usermod -aG docker "$SUDO_USER"
    did docker-group "added $SUDO_USER to the docker group"
  fi
fi

# --- sshd: room for the deploy's connections -----------------------------------------------------
# The deploy drives Docker over SSH with one connection per API call (the docker provider's ssh://
# host): dozens at once while images build and containers start. sshd's default MaxStartups
# (10:30:100) starts dropping handshakes past ten ("kex_exchange_identification: read: Connection
# reset by peer"), which failed a rehearsal's image build. Unauthenticated connections only; logins
# still need the deploy key.
sshd_conf=/etc/ssh/sshd_config.d/sophia.conf
if write_if_changed "$sshd_conf" 0644 "# Installed by the Sophia bootstrap: the deploy's concurrent Docker-over-SSH connections.
MaxStartups 100:30:200"; then
  if has_systemd; then systemctl reload ssh 2>/dev/null || systemctl reload sshd; elif [[ -f /run/sshd.pid ]]; then kill -HUP "$(cat /run/sshd.pid)"; fi
  # A reload re-executes sshd, which refuses connections for a moment ("Connection closed by remote
  # host" for the deploy's next one): give it the signal's moment, then go on once it greets again.
  sleep 0.5
  for _ in $(seq 1 100); do
    [[ "$(timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22 && head -c 4 <&3' 2>/dev/null)" == "SSH-" ]] && break
    sleep 0.1
  done
  did sshd-startups "MaxStartups 100:30:200 in $sshd_conf"
else
  ok sshd-startups
fi
[[ "$(sshd -T 2>/dev/null | awk '$1 == "maxstartups" { print $2 }')" == "100:30:200" ]] \
  || die "sshd does not apply $sshd_conf (does /etc/ssh/sshd_config include sshd_config.d?)"

# --- host firewall --------------------------------------------------------------------------
# Docker publishes ports through FORWARD, past INPUT rules, so the ingress port is also filtered in
# DOCKER-USER (on the original destination port of DNATed connections). Only the client-to-container
# direction is judged (--ctdir ORIGINAL): a reply carries the same DNAT state and original port, and
# comes from the container, whose address no allowlist holds.
firewall_script='#!/usr/bin/env bash
# Installed by the Sophia bootstrap. Applies the node firewall from /etc/sophia/firewall.env:
# inbound SSH and the ingress port only, and only from the allowed CIDRs. Safe to run repeatedly.
set -euo pipefail
. /etc/sophia/firewall.env
# Not declared below: iptables-restore would empty it, and its rules are the private network'"'"'s.
iptables -N SOPHIA-WG 2>/dev/null || true
{
  echo "*filter"
  echo ":SOPHIA-INPUT - [0:0]"
  echo ":SOPHIA-DOCKER - [0:0]"
  echo "-A SOPHIA-INPUT -i lo -j ACCEPT"
  echo "-A SOPHIA-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
  echo "-A SOPHIA-INPUT -p icmp -j ACCEPT"
  for cidr in $SOPHIA_SSH_CIDRS; do echo "-A SOPHIA-INPUT -s $cidr -p tcp -m tcp --dport 22 -j ACCEPT"; done
  for cidr in $SOPHIA_INGRESS_CIDRS; do echo "-A SOPHIA-INPUT -s $cidr -p tcp -m tcp --dport $SOPHIA_INGRESS_PORT -j ACCEPT"; done
  # The private network (packages/private-network) fills SOPHIA-WG: WireGuard from the fleet only.
  echo "-A SOPHIA-INPUT -j SOPHIA-WG"
  echo "-A SOPHIA-INPUT -j DROP"
  for cidr in $SOPHIA_INGRESS_CIDRS; do echo "-A SOPHIA-DOCKER -s $cidr -p tcp -m conntrack --ctstate DNAT --ctdir ORIGINAL --ctorigdstport $SOPHIA_INGRESS_PORT -j RETURN"; done
  echo "-A SOPHIA-DOCKER -p tcp -m conntrack --ctstate DNAT --ctdir ORIGINAL --ctorigdstport $SOPHIA_INGRESS_PORT -j DROP"
  echo "COMMIT"
} | iptables-restore --noflush
iptables -N DOCKER-USER 2>/dev/null || true
iptables -C INPUT -j SOPHIA-INPUT 2>/dev/null || iptables -I INPUT 1 -j SOPHIA-INPUT
iptables -C DOCKER-USER -j SOPHIA-DOCKER 2>/dev/null || iptables -I DOCKER-USER 1 -j SOPHIA-DOCKER'
firewall_env="SOPHIA_SSH_CIDRS='$SOPHIA_SSH_CIDRS'
SOPHIA_INGRESS_CIDRS='$SOPHIA_INGRESS_CIDRS'
SOPHIA_INGRESS_PORT='$SOPHIA_INGRESS_PORT'"
files_changed=no
write_if_changed /usr/local/sbin/sophia-firewall 0755 "$firewall_script" && files_changed=yes
write_if_changed /etc/sophia/firewall.env 0644 "$firewall_env" && files_changed=yes
live_rules() { iptables -S 2>/dev/null | grep -E 'SOPHIA-(INPUT|DOCKER)' || true; }
before=$(live_rules)
/usr/local/sbin/sophia-firewall
after=$(live_rules)
if [[ $files_changed == yes || "$before" != "$after" ]]; then
  did firewall "only ssh (22) from $SOPHIA_SSH_CIDRS and port $SOPHIA_INGRESS_PORT from $SOPHIA_INGRESS_CIDRS"
else
  ok firewall
fi
if has_systemd; then
  unit='[Unit]
Description=Sophia node firewall
After=network-pre.target docker.service
Wants=network-pre.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/sophia-firewall
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target'
  if write_if_changed /etc/systemd/system/sophia-firewall.service 0644 "$unit"; then
    systemctl daemon-reload && systemctl enable sophia-firewall.service >/dev/null 2>&1
    did firewall-on-boot "sophia-firewall.service re-applies the rules at boot"
  else
    ok firewall-on-boot
  fi
else
  skip firewall-on-boot "no systemd on this host, so no unit re-applies the firewall at boot"
fi

# --- stateful volumes' directories on the persistent filesystem --------------------------------
# Lambda mounts a filesystem the instance was launched with at /lambda/nfs/<name>. Without the mount,
# a directory made here would be on the node's own disk, and the data would die with the node.
for entry in ${SOPHIA_DATA_DIRS:-}; do
  dir=${entry%=*} owner=${entry##*=}
  [[ $dir == /lambda/nfs/*/* ]] || die "SOPHIA_DATA_DIRS: $dir is not under /lambda/nfs/<filesystem>/"
  mount_point=/lambda/nfs/$(cut -d/ -f4 <<<"$dir")
  mountpoint -q "$mount_point" || die "the persistent filesystem is not mounted at $mount_point (was the instance launched with it?); its data directory $dir would be on the node's own disk"
  if [[ -d $dir && "$(stat -c %u:%g "$dir")" == "$owner" ]]; then
    ok "data-dir $dir"
  else
    mkdir -p "$dir" && chown "$owner" "$dir"
    did "data-dir $dir" "owned by $owner"
  fi
done

# --- GPUs: a container must see them through the NVIDIA runtime ------------------------------
if command -v nvidia-smi >/dev/null; then
  host_gpus=$(nvidia-smi -L | grep -c '^GPU ' || true)
  ((host_gpus >= SOPHIA_EXPECT_GPUS)) || die "nvidia-smi lists $host_gpus GPU(s); this instance type has $SOPHIA_EXPECT_GPUS"
  [[ -n "$gpu_runtime" ]] || die "nvidia-container-runtime is missing; Lambda Stack ships it (apt-get install nvidia-container-toolkit)"
  seen=$(docker run --rm --gpus all "$SOPHIA_GPU_CHECK_IMAGE" nvidia-smi -L | grep -c '^GPU ' || true)
  ((seen == host_gpus)) || die "a container sees $seen of $host_gpus GPU(s) through the NVIDIA runtime"
  ok "gpu-runtime ($seen GPU(s) visible in a container)"
elif ((SOPHIA_EXPECT_GPUS > 0)); then
  skip gpu-runtime "no nvidia-smi on this host (expected $SOPHIA_EXPECT_GPUS GPU(s)): the NVIDIA runtime registration and the container GPU check were not run"
else
  skip gpu-runtime "CPU-only host"
fi

echo "bootstrap summary: changed=${#changed[@]} unchanged=${#unchanged[@]} skipped=${#skipped[@]}${changed:+ (changed: ${changed[*]})}"
