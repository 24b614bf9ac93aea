// Test scaffolding for this package's users: the Lambda Cloud fake and the throwaway SSH host.
export { FakeLambdaCloud, type FakeInstanceType, type FakeLambdaCloudOptions, type FakeRequest } from "./fake-lambda-cloud";
export { SSH_HOST_IMAGE, type SshResult, ThrowawaySshHost } from "./ssh-host";
