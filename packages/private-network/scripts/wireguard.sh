#!/usr/bin/env bash
# The node's side of the stack's private network (packages/private-network). Run as root over SSH:
#   key    installs WireGuard where it is missing (the kernel's, or the userspace wireguard-go where
#          the kernel has none), makes the node's private key once, on the node, and prints only
#          the public key (the stack pins it);
#   apply  checks the node still holds the pinned key, writes /etc/wireguard/sophia-wg.conf from
#          SOPHIA_WG_CONF (peers, address), brings the interface up or changes its peers in place
#          (wg syncconf: no restart, no dropped tunnel), and applies the node's WireGuard firewall.
# Idempotent: a second apply with the same inputs changes nothing and says so.
#
# Inputs (environment): SOPHIA_WG_PORT, and for apply SOPHIA_WG_PUBLIC_KEY (pinned), SOPHIA_WG_ADMIT
# (peers' public addresses, space-separated), SOPHIA_WG_ADDRESS (this node's private address),
# SOPHIA_WG_CONF (the configuration file).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
IFACE=sophia-wg
DIR=/etc/wireguard
KEY=$DIR/$IFACE.key
CONF=$DIR/$IFACE.conf
FIREWALL=/usr/local/sbin/$IFACE-firewall
FLEET_BRIDGE=sophia-fleet
die() { echo "private network: $1" >&2; exit 1; }
note() { echo "note     $1" >&2; }
[[ $EUID -eq 0 ]] || die "must run as root (the component runs it with sudo)"
mode=${1:-}

has_systemd() { [[ -d /run/systemd/system ]]; }
iface_up() { ip link show dev "$IFACE" >/dev/null 2>&1; }

install_wireguard() {
  local missing=()
  command -v wg >/dev/null && command -v wg-quick >/dev/null || missing+=(wireguard-tools)
  # The kernel's module where it has one (Lambda's Ubuntu); else wg-quick falls back to wireguard-go.
  if ! iface_up && ! { ip link add sophia-wgprobe type wireguard 2>/dev/null && ip link del sophia-wgprobe; }; then
    command -v wireguard-go >/dev/null || missing+=(wireguard-go)
    note "no WireGuard in this kernel: the userspace wireguard-go carries the interface (needs /dev/net/tun)"
    [[ -c /dev/net/tun ]] || die "no WireGuard in this kernel and no /dev/net/tun for wireguard-go"
  fi
  if ((${#missing[@]})); then
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    note "installed ${missing[*]}"
  fi
}

case "$mode" in
key)
  install_wireguard
  install -d -m 0700 "$DIR"
  if [[ ! -s $KEY ]]; then
    (umask 077 && wg genkey >"$KEY.new" && mv "$KEY.new" "$KEY")
    note "made this node's WireGuard key ($KEY, root only)"
  fi
  wg pubkey <"$KEY"
  ;;
apply)
  for var in SOPHIA_WG_PORT SOPHIA_WG_PUBLIC_KEY SOPHIA_WG_ADDRESS SOPHIA_WG_CONF; do
    [[ -n "${!var:-}" ]] || die "$var is not set; the private-network component sets it"
  done
  [[ -s $KEY ]] || die "no key at $KEY; the key step makes it (was the node rebuilt?)"
  actual=$(wg pubkey <"$KEY")
  [[ $actual == "$SOPHIA_WG_PUBLIC_KEY" ]] ||
    die "this node's WireGuard key is $actual, not $SOPHIA_WG_PUBLIC_KEY pinned when it was made (a rebuilt node, or its key replaced by hand); its peers would refuse it. If the node was rebuilt on purpose, run pulumi up --replace on its private-network key resource"
  changed=()
  firewall="#!/usr/bin/env bash
# Installed by the Sophia private network: WireGuard's UDP port from the node's peers only, the fleet
# bridge let out to the WireGuard interface only, and ports published on the private address reached
# only through the WireGuard interface (or this node's own fleet bridge). Safe to run repeatedly.
set -euo pipefail
iptables -N SOPHIA-WG 2>/dev/null || true
iptables -F SOPHIA-WG
for peer in ${SOPHIA_WG_ADMIT:-}; do iptables -A SOPHIA-WG -s \"\$peer/32\" -p udp --dport $SOPHIA_WG_PORT -j ACCEPT; done
# This node's own containers reaching what it publishes on its private address: Docker hands that to
# its proxy on the host (no DNAT from a container's own bridge), so it arrives here, not in FORWARD.
iptables -A SOPHIA-WG -i $FLEET_BRIDGE -d $SOPHIA_WG_ADDRESS -p tcp -j ACCEPT
# The bootstrap's SOPHIA-INPUT jumps here before its final DROP; a host without it gets the jump itself.
iptables -S SOPHIA-INPUT >/dev/null 2>&1 || iptables -C INPUT -j SOPHIA-WG 2>/dev/null || iptables -I INPUT 1 -j SOPHIA-WG
iptables -N DOCKER-USER 2>/dev/null || true
iptables -N SOPHIA-FLEET 2>/dev/null || true
iptables -F SOPHIA-FLEET
iptables -A SOPHIA-FLEET -i $FLEET_BRIDGE -o $IFACE -j RETURN
iptables -A SOPHIA-FLEET -i $FLEET_BRIDGE -o $FLEET_BRIDGE -j RETURN
iptables -A SOPHIA-FLEET -i $FLEET_BRIDGE -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
iptables -A SOPHIA-FLEET -i $FLEET_BRIDGE -j DROP
iptables -A SOPHIA-FLEET -m conntrack --ctstate DNAT --ctdir ORIGINAL --ctorigdst $SOPHIA_WG_ADDRESS -i $IFACE -j RETURN
iptables -A SOPHIA-FLEET -m conntrack --ctstate DNAT --ctdir ORIGINAL --ctorigdst $SOPHIA_WG_ADDRESS -i $FLEET_BRIDGE -j RETURN
iptables -A SOPHIA-FLEET -m conntrack --ctstate DNAT --ctdir ORIGINAL --ctorigdst $SOPHIA_WG_ADDRESS -j DROP
iptables -C DOCKER-USER -j SOPHIA-FLEET 2>/dev/null || iptables -I DOCKER-USER 1 -j SOPHIA-FLEET"
  write_if_changed() {
    local path=$1 mode=$2 content=$3
    if [[ -f "$path" && "$(cat "$path")" == "$content" ]]; then return 1; fi
    install -d "$(dirname "$path")"
    printf '%s\n' "$content" >"$path.new" && chmod "$mode" "$path.new" && mv "$path.new" "$path"
  }
  write_if_changed "$FIREWALL" 0755 "$firewall" && changed+=(firewall)
  conf_changed=no
  write_if_changed "$CONF" 0600 "$SOPHIA_WG_CONF" && conf_changed=yes && changed+=(peers)
  if ! iface_up; then
    wg-quick up "$IFACE" >&2
    changed+=(interface-up)
  elif [[ $conf_changed == yes ]]; then
    # Peers changed in place: the tunnels to the other peers stay up. The file names no private key
    # (PostUp sets it from the key file), and syncconf would remove one it is not given: it goes in
    # through the pipe, never to another file.
    wg syncconf "$IFACE" <(wg-quick strip "$IFACE" | sed "/^\[Interface\]/a PrivateKey = $(cat "$KEY")")
  fi
  ip -4 -o address show dev "$IFACE" | grep -q " $SOPHIA_WG_ADDRESS/" || die "$IFACE has no address $SOPHIA_WG_ADDRESS after the apply"
  "$FIREWALL"
  if has_systemd; then
    # Up at every boot, before Docker, whose containers publish on the private address.
    systemctl is-enabled --quiet "wg-quick@$IFACE" 2>/dev/null || { systemctl enable --quiet "wg-quick@$IFACE" && changed+=(on-boot); }
    write_if_changed /etc/systemd/system/docker.service.d/sophia-wg.conf 0644 "[Unit]
Wants=wg-quick@$IFACE.service
After=wg-quick@$IFACE.service" && { systemctl daemon-reload; changed+=(docker-after-wg); }
  else
    note "no systemd on this host: nothing brings $IFACE up at boot but the host's own init"
  fi
  peers=$(wg show "$IFACE" peers | wc -l)
  echo "private network: $IFACE $SOPHIA_WG_ADDRESS, $peers peer(s), port $SOPHIA_WG_PORT; ${changed[*]:-no change}"
  ;;
*) die "usage: wireguard.sh key|apply (got ${mode:-nothing})" ;;
esac
