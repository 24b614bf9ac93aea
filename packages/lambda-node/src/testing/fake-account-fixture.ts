// TEST SCAFFOLDING (jest only; not exported from ./index): a fresh fake Lambda account per test, with
// every log line captured, the test's own and those of providers reloaded from their serialized text
// (which log on the host process's console), and the API key checked to be in none of them.
import { FakeLambdaCloud, type FakeLambdaCloudOptions } from "./fake-lambda-cloud";
import { engineGlobal } from "./serialized";

export interface FakeAccount {
  readonly fake: FakeLambdaCloud;
  readonly apiUrl: string;
  /** Every console.error line of this test so far. */
  readonly stderr: string[];
}

/** Registers the fixture's beforeEach and afterEach; read the returned object inside tests. */
export function useFakeAccount(options: FakeLambdaCloudOptions): FakeAccount {
  const account = {} as { fake: FakeLambdaCloud; apiUrl: string; stderr: string[] };
  beforeEach(async () => {
    account.fake = new FakeLambdaCloud(options);
    account.apiUrl = await account.fake.start();
    account.stderr = [];
    for (const c of [console, engineGlobal.console]) jest.spyOn(c, "error").mockImplementation((...args: unknown[]) => void account.stderr.push(args.join(" ")));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await account.fake.stop();
    // Whatever a test did, the key never reached a log line.
    expect(account.stderr.join("\n")).not.toContain(options.apiKey);
  });
  return account;
}
