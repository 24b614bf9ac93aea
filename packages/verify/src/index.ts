// The platform's verification: the post-deploy checklist a live deployment must pass (deploy, the
// smoke, the rehearsal and the chaos suite all run it), the monitoring checks it is made of, the
// probes that try every way around the ingress, and the docker runners they look through.
export { CHECKLIST_ITEMS, type ChecklistItem, type ChecklistOptions, type CheckResult, committedPlanLine, conformance, cursorEntries, type LiveDeployment, renderChecklist, runChecklist, textOf, withClient } from "./checklist";
export { commandOverSsh, dockerOn, dockerOverSsh, type DockerRunner } from "./docker-runner";
export * from "./monitoring-checks";
export * from "./probes";
export * from "./fleet-checks";
export { mapConcurrently } from "./concurrency";
