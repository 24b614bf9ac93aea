// Deploying a stack with a real Pulumi engine (Automation API): the deploy's phases, the rehearsal
// of the staging path on one machine, the stack workspace and private backends, the private
// ssh-agent, and the image build contexts a deploy prepares.
export { approveCommand, opsContainer } from "./approve";
export { buildCaddy, buildImageContexts, buildTelegraf, type WheelArchitecture, wheelArchitectures } from "./build-image-contexts";
export { deployCommand, type DeployOptions, type DeployResult, liveDeployment, runDeploy } from "./deploy";
export { INSTALL_HINT, LOCAL_BACKEND, MissingCli, openStack, type PrivateBackend, PULUMI_CLI_VERSION, pulumiCli, stackAndCli, type StackHandle } from "./pulumi-stack";
export { rehearse } from "./rehearse";
export { type SshAgent, startSshAgent } from "./ssh-agent";
