export * from "./pool-spec";
export { AgentRuntimePools, type AgentRuntimePoolsArgs } from "./pools";
