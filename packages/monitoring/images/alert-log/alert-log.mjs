// The alert log: Alertmanager's webhook receiver by default. It keeps the last 500 notifications in
// memory (POST /page, POST /ticket) and shows them (GET /alerts) to whoever checks that alerts arrive
// and resolve. Alert payloads hold labels and annotations, never secrets; nothing is written to disk.
import { createServer } from "node:http";

const port = Number(process.env.SOPHIA_ALERT_LOG_PORT ?? 9095);
const keep = 500;
const received = [];

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") return void res.writeHead(200).end("ok\n");
  if (req.method === "GET" && req.url === "/alerts") {
    res.writeHead(200, { "content-type": "application/json" });
    return void res.end(JSON.stringify(received));
  }
  const receiver = req.url?.slice(1);
  if (req.method !== "POST" || (receiver !== "page" && receiver !== "ticket")) return void res.writeHead(404).end();
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > 1024 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on("end", () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const alert of body.alerts ?? []) {
        received.push({ receiver, status: alert.status, labels: alert.labels, startsAt: alert.startsAt, endsAt: alert.endsAt, receivedAt: new Date().toISOString() });
      }
      received.splice(0, Math.max(0, received.length - keep));
      console.log(`alert-log: ${receiver} ${body.status} ${(body.alerts ?? []).map((a) => a.labels?.alertname).join(",")}`);
      res.writeHead(200).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.listen(port, "0.0.0.0");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
