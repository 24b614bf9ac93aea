// TEST SCAFFOLDING: the fake Gong API as a process, for the smoke, which runs it in a container of
// its own on the smoke's edge network (packages/local-apply/src/local-stack.ts), so the Gong server reaches it as it
// would reach Gong. Its keys come from FAKE_GONG_ACCESS_KEY and FAKE_GONG_ACCESS_SECRET; it listens
// on FAKE_GONG_PORT (8080). Gong's rate limit is enforced, as in the unit tests.
import { FakeGong } from "./fake-gong";

async function main(): Promise<void> {
  const accessKey = process.env.FAKE_GONG_ACCESS_KEY;
  const accessKeySecret = process.env.FAKE_GONG_ACCESS_SECRET;
  if (!accessKey || !accessKeySecret) throw new Error("FAKE_GONG_ACCESS_KEY and FAKE_GONG_ACCESS_SECRET: expected the keys the fake accepts; got nothing");
  const fake = new FakeGong({ accessKey, accessKeySecret, rateLimit: true });
  const url = await fake.start("0.0.0.0", Number(process.env.FAKE_GONG_PORT ?? 8080));
  process.stderr.write(`fake gong listening on ${url}\n`);
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
