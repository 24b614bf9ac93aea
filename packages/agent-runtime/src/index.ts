export * from "./pool-spec";
export { agentApiKeys, AgentRuntimePools, type AgentRuntimePoolsArgs } from "./pools";
