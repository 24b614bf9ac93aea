// npm run review -- --base <git-ref> [--list]
// The stack review of a change (packages/review): prints its Markdown, or with --list the affected
// stacks as JSON. Exits 1 on a mandatory policy violation, 2 on bad usage.
import { review, UsageError } from "@sophia/review";

review(process.argv.slice(2)).then(
  ({ text, code }) => {
    process.stdout.write(text);
    process.exit(code);
  },
  (error: Error) => {
    console.error(error instanceof UsageError ? error.message : (error.stack ?? String(error)));
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
