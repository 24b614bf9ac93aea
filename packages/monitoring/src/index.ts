export { PROBE_INTERVAL_SECONDS, SLI_METRICS, platformSlos, type RatioSlo, type Slo, type ThresholdSlo } from "./slo";
export { BURN_RATE_WINDOWS, burnAlertName, errorRatioRecord, platformRules, reliabilityGroup, renderRuleFile, symptomGroup, type AlertingRule, type RecordingRule, type RuleGroup, type Severity } from "./rules";
export { renderRuleTests, type PromtoolTestFile } from "./rule-tests";
export { PROBE_MODULE, renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig, type AlertmanagerConfigArgs, type ProbedServer, type PrometheusConfigArgs, type ScrapeJob, type WebhookReceiver } from "./prometheus-config";
