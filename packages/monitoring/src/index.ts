export { LATENCY_THRESHOLD_SECONDS, PROBE_INTERVAL_SECONDS, SLI_METRICS, platformSlos, type RatioSlo, type Slo, type ThresholdSlo } from "./slo";
export { bucketsBetween, bucketsFromExposition, type HistogramBucket, histogramQuantile, shareWithin } from "./latency-sli";
export { BURN_RATE_WINDOWS, burnAlertName, CONTAINER_METRICS, costGroup, errorRatioRecord, FLEET_COST_RECORD, fleetGroup, NODE_COST_RECORD, type NodeCost, platformRules, reliabilityGroup, renderRuleFile, symptomGroup, type AlertingRule, type RecordingRule, type RuleGroup, type Severity } from "./rules";
export { renderRuleTests, type PromtoolTestFile } from "./rule-tests";
export { AGENT_POOLS_JOB, HEALTH_MODULE, NODE_JOB, PROBE_MODULE, SERVER_METRICS_JOB, type PoolProbe, type ServerMetrics, type TargetGroup, renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig, renderTelegrafConfig, type AlertmanagerConfigArgs, type ProbedServer, type PrometheusConfigArgs, type ScrapeJob, type WebhookReceiver } from "./prometheus-config";
export {
  ALERT_LOG_CONTEXT,
  CONTAINER_EXPORTER_HOST_MOUNTS,
  exporterContainerSpecs,
  GRAFANA_USER_HEADER,
  MONITORING_CONTEXT,
  MONITORING_HOSTNAMES,
  MONITORING_PORTS,
  MONITORING_SIZING,
  monitoringContainerSpecs,
  monitoringDataVolumes,
  PROMETHEUS_SNAPSHOT_DIR,
  prometheusWithSnapshots,
  monitoringFiles,
  monitoringUis,
  monitoringUiUrl,
  NODE_EXPORTER_HOST_MOUNTS,
  skippedGpuExporters,
  TELEGRAF_VERSION,
  TOKEN_ENVS,
  TOKEN_FILES,
  UPSTREAM_IMAGES,
  writeThenExec,
  type ExporterRole,
  type ExporterSpecArgs,
  type FleetTargets,
  type MonitoringContainerSpec,
  type MonitoringImageSource,
  type MonitoringRole,
  type MonitoringSpecArgs,
} from "./containers";
export { Monitoring, type MonitoringArgs } from "./monitoring";
export { NodeExporters, type NodeExportersArgs } from "./node-exporters";
export { DASHBOARD_PATH, DASHBOARD_ROWS, GPU_METRICS, dashboardQueries, DASHBOARD_UID, DATASOURCE, generatedMonitoringFiles, grafanaProvisioning, platformDashboard } from "./dashboards";
