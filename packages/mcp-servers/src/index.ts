export * from "./catalog";
export * from "./scopes";
export { BACKEND_KEY_HEADER, backendKeyEnvName, CLIENT_HEADER, EDGE_LIMITS, type IngressRoute, type IngressSite, MONITORING_PATH, MONITORING_VIEWER, renderCaddyfile } from "./caddyfile";
export { type ContainerSpec, cpuLimit, HARDENING, healthcheckFor, type LogRetention, memoryLimit, SERVER_KEY_ENV, serverCommand, serverContainerSpec } from "./container-spec";
export { type CursorMcpJson, renderCursorMcpJson } from "./cursor-config";
export { IMAGES_DIR, INGRESS_CONTAINER_PORT, INGRESS_INTERNAL_ALIAS, INGRESS_MONITORING_ALIAS, INGRESS_SIZING, INGRESS_INTERNAL_PORT, INGRESS_METRICS_PORT, mcpDataVolumes, McpPlatform, type McpPlatformArgs } from "./platform";
export { type AgentRoute, type AgentRoutes, chooseRoute, RouteRefused, type RoutePolicy } from "./ops/routing";
export { AGENT_RUNTIME_START_METRIC, AGENT_RUNTIME_UP_METRIC, ROUTE_TASK_METRIC } from "./ops/server";
export { OPERATION_BUCKETS, OPERATION_DURATION_METRIC } from "./http-edge";
