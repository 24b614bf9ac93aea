export { PROBE_INTERVAL_SECONDS, SLI_METRICS, platformSlos, type RatioSlo, type Slo, type ThresholdSlo } from "./slo";
export { BURN_RATE_WINDOWS, burnAlertName, CONTAINER_METRICS, costGroup, errorRatioRecord, FLEET_COST_RECORD, NODE_COST_RECORD, type NodeCost, platformRules, reliabilityGroup, renderRuleFile, symptomGroup, type AlertingRule, type RecordingRule, type RuleGroup, type Severity } from "./rules";
export { renderRuleTests, type PromtoolTestFile } from "./rule-tests";
export { PROBE_MODULE, SERVER_METRICS_JOB, type ServerMetrics, renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig, renderTelegrafConfig, type AlertmanagerConfigArgs, type ProbedServer, type PrometheusConfigArgs, type ScrapeJob, type WebhookReceiver } from "./prometheus-config";
export {
  ALERT_LOG_CONTEXT,
  CONTAINER_EXPORTER_HOST_MOUNTS,
  GRAFANA_USER_HEADER,
  MONITORING_CONTEXT,
  MONITORING_HOSTNAMES,
  MONITORING_PORTS,
  MONITORING_SIZING,
  monitoringContainerSpecs,
  monitoringFiles,
  monitoringUis,
  monitoringUiUrl,
  NODE_EXPORTER_HOST_MOUNTS,
  TELEGRAF_VERSION,
  TOKEN_ENVS,
  TOKEN_FILES,
  UPSTREAM_IMAGES,
  writeThenExec,
  type MonitoringContainerSpec,
  type MonitoringImageSource,
  type MonitoringRole,
  type MonitoringSpecArgs,
} from "./containers";
export { Monitoring, type MonitoringArgs } from "./monitoring";
export { DASHBOARD_PATH, DASHBOARD_ROWS, GPU_METRICS, dashboardQueries, DASHBOARD_UID, DATASOURCE, generatedMonitoringFiles, grafanaProvisioning, platformDashboard } from "./dashboards";
