// The fleet rows' pure parts: reading WireGuard's handshake times, and telling an open port from one
// that refuses or never answers.
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { handshakeAges, tryConnect } from "./fleet-checks";

test("wg's latest-handshakes become ages; a peer that never shook hands is infinitely old", () => {
  const output = "AAAA=\t1764900000\nBBBB=\t0\n";
  expect(handshakeAges(output, 1764900030)).toEqual([
    { peer: "AAAA=", ageSeconds: 30 },
    { peer: "BBBB=", ageSeconds: Infinity },
  ]);
  expect(handshakeAges("", 1)).toEqual([]);
});

test("a connection is open, refused (nothing listens) or unanswered, from this process", async () => {
  const server = net.createServer((socket) => socket.end()).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  expect(await tryConnect("127.0.0.1", port)).toBe("open");
  await new Promise((resolve) => server.close(resolve));
  expect(await tryConnect("127.0.0.1", port)).toBe("refused");
  // TEST-NET-1 (RFC 5737): routed nowhere, so nothing answers within the timeout.
  expect(await tryConnect("192.0.2.1", 9, 300)).toMatch(/^(no answer|refused)$/);
});
