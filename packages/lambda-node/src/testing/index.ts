// Test scaffolding for this package's users: the Lambda Cloud fake, the throwaway SSH host, and a
// dynamic provider reloaded from its serialized text.
export { FakeLambdaCloud, type FakeInstanceType, type FakeLambdaCloudOptions, type FakeRequest } from "./fake-lambda-cloud";
export { asTheEngineRunsIt, engineGlobal } from "./serialized";
export { SSH_HOST_IMAGE, type SshResult, ThrowawaySshHost } from "./ssh-host";
