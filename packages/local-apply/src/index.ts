// The local stack applied to this machine's Docker engine from exactly what the program registers
// (the smoke's applier and its honest-application claim), and what runs on it: the smoke, the chaos
// suite and the MCP, ingress and agent benchmarks.
export { benchAgents } from "./bench-agents";
export { benchIngress } from "./bench-ingress";
export { benchMcp } from "./bench-mcp";
export { containerIp, containerUsage, median, percentile, withLocalStack } from "./bench-support";
export { chaos } from "./chaos";
export * from "./local-stack";
export { smoke } from "./smoke";
