export { PROBE_INTERVAL_SECONDS, SLI_METRICS, platformSlos, type RatioSlo, type Slo, type ThresholdSlo } from "./slo";
export { BURN_RATE_WINDOWS, burnAlertName, costGroup, errorRatioRecord, FLEET_COST_RECORD, NODE_COST_RECORD, type NodeCost, platformRules, reliabilityGroup, renderRuleFile, symptomGroup, type AlertingRule, type RecordingRule, type RuleGroup, type Severity } from "./rules";
export { renderRuleTests, type PromtoolTestFile } from "./rule-tests";
export { PROBE_MODULE, SERVER_METRICS_JOB, type ServerMetrics, renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig, type AlertmanagerConfigArgs, type ProbedServer, type PrometheusConfigArgs, type ScrapeJob, type WebhookReceiver } from "./prometheus-config";
export { MONITORING_CONTEXT, MONITORING_PORTS, MONITORING_SIZING, monitoringContainerSpecs, monitoringFiles, NODE_EXPORTER_HOST_MOUNTS, TOKEN_ENVS, TOKEN_FILES, writeThenExec, type MonitoringContainerSpec, type MonitoringRole, type MonitoringSpecArgs } from "./containers";
export { Monitoring, type MonitoringArgs } from "./monitoring";
export { DASHBOARD_PATH, DASHBOARD_ROWS, dashboardQueries, DASHBOARD_UID, DATASOURCE, generatedMonitoringFiles, grafanaProvisioning, platformDashboard } from "./dashboards";
