import { planPrivateNetwork, renderWireGuardConfig, type NetworkNode } from "./plan";

const key = (i: number) => `${String(i).padStart(4, "0")}${"A".repeat(39)}=`;
const node = (id: string, i: number): NetworkNode => ({ id, publicIp: `198.51.100.${i + 1}`, publicKey: key(i) });
const fleet = [node("gpu-1x-a10-0", 0), node("gpu-1x-a10-1", 1), node("gpu-8x-v100-0", 2)];

describe("planPrivateNetwork (hub-and-spoke)", () => {
  const plan = planPrivateNetwork({ cidr: "10.210.0.0/16", port: 51820, hub: "gpu-1x-a10-0", nodes: fleet });

  it("peers the hub with every other node and every other node with the hub alone", () => {
    expect(plan["gpu-1x-a10-0"]!.peers.map((p) => p.id)).toEqual(["gpu-1x-a10-1", "gpu-8x-v100-0"]);
    expect(plan["gpu-1x-a10-1"]!.peers).toEqual([{ id: "gpu-1x-a10-0", publicKey: key(0), endpoint: "198.51.100.1:51820", allowedIps: ["10.210.8.1/32"], keepaliveSeconds: 25 }]);
    expect(plan["gpu-8x-v100-0"]!.admitUdpFrom).toEqual(["198.51.100.1"]);
    expect(plan["gpu-1x-a10-0"]!.admitUdpFrom).toEqual(["198.51.100.2", "198.51.100.3"]);
  });

  it("routes the whole range into the interface, so a new peer needs no new route", () => {
    expect(plan["gpu-8x-v100-0"]!.cidr).toBe("10.210.88.1/16");
  });

  it("changes only the hub's configuration when a node joins", () => {
    const grown = planPrivateNetwork({ cidr: "10.210.0.0/16", port: 51820, hub: "gpu-1x-a10-0", nodes: [...fleet, node("gpu-1x-a10-2", 3)] });
    const changed = Object.keys(plan).filter((id) => renderWireGuardConfig(plan[id]!) !== renderWireGuardConfig(grown[id]!));
    expect(changed).toEqual(["gpu-1x-a10-0"]);
  });

  it("refuses a hub that is not a node, and two nodes with one key or one address", () => {
    expect(() => planPrivateNetwork({ cidr: "10.210.0.0/16", port: 51820, hub: "gpu-1x-a10-9", nodes: fleet })).toThrow("private network: hub gpu-1x-a10-9 is not one of the nodes");
    expect(() => planPrivateNetwork({ cidr: "10.210.0.0/16", port: 51820, hub: "gpu-1x-a10-0", nodes: [...fleet, { ...node("gpu-1x-a10-3", 4), publicKey: key(1) }] })).toThrow(
      "private network: nodes gpu-1x-a10-1 and gpu-1x-a10-3 have the same publicKey",
    );
  });

  it("renders wg-quick's format with no private key in it", () => {
    const text = renderWireGuardConfig(plan["gpu-1x-a10-1"]!);
    expect(text).toBe(
      [
        "# The private network of this node (gpu-1x-a10-1), written by the Sophia stack; edit the stack, not this file.",
        "[Interface]",
        "Address = 10.210.8.2/16",
        "ListenPort = 51820",
        "PostUp = wg set %i private-key /etc/wireguard/sophia-wg.key",
        "PostUp = /usr/local/sbin/sophia-wg-firewall",
        "",
        "# gpu-1x-a10-0",
        "[Peer]",
        `PublicKey = ${key(0)}`,
        "Endpoint = 198.51.100.1:51820",
        "AllowedIPs = 10.210.8.1/32",
        "PersistentKeepalive = 25",
        "",
      ].join("\n"),
    );
    expect(text).not.toMatch(/PrivateKey/);
  });
});
