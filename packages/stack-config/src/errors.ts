// One line that says where, which key, what was expected and what was found; never a stack trace.
import { printable } from "./redact";

export class ConfigError extends Error {
  constructor(
    /** The stack file, with `:<line>:<col>` where the problem is in the file itself. */
    readonly file: string,
    readonly key: string | undefined,
    readonly problem: string,
  ) {
    // A key is shown with its invisible and non-ASCII characters escaped: the file may hold a look-alike.
    super(key === undefined ? `${file}: ${problem}` : `${file}: ${printable(key)}: ${problem}`);
    this.name = "ConfigError";
  }
}
