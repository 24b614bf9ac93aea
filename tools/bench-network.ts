// npm run bench:network [-- --nodes <n>]   the private network of an n-node placement (default 2,000),
// registered in mock mode and checked: addresses, peers, firewall rules, size per node, and the time.
import { simulateNetwork } from "@sophia/stacks/simulate-network";

const flag = process.argv.indexOf("--nodes");
const nodes = flag >= 0 ? Number(process.argv[flag + 1]) : 2000;
if (!Number.isInteger(nodes) || nodes < 2 || nodes > 4000) {
  console.error(`usage: npm run bench:network -- [--nodes <2..4000>]; got ${process.argv.slice(2).join(" ") || "nothing"}`);
  process.exit(2);
}
simulateNetwork(nodes).then((s) => {
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  console.log(`placement: ${s.nodes} nodes in ${s.seconds.placement.toFixed(1)}s; hub ${s.hub}`);
  console.log(`mock mode: ${s.resources} resources registered in ${s.seconds.evaluation.toFixed(1)}s; checks ${s.seconds.checks.toFixed(1)}s`);
  console.log(`peers: hub ${s.peers.hub}, each other node ${s.peers.spokeMax}`);
  console.log(`WireGuard configuration per node: hub ${kib(s.configBytes.hub)}, other nodes ${s.configBytes.spokeMin}–${s.configBytes.spokeMax} B; all nodes ${kib(s.configBytes.total)}`);
  console.log(`Lambda firewall: ${s.firewallRules} WireGuard rules (one /32 per node)`);
  for (const p of s.problems) console.log(`PROBLEM ${p}`);
  console.log(`network: ${s.nodes} nodes, ${s.problems.length} problems, hub config ${kib(s.configBytes.hub)}, in ${(s.seconds.placement + s.seconds.evaluation + s.seconds.checks).toFixed(1)}s`);
  process.exit(s.problems.length === 0 ? 0 : 1);
});
