// One line that says where, which key, what was expected and what was found; never a stack trace.
export class ConfigError extends Error {
  constructor(
    /** The stack file, with `:<line>:<col>` where the problem is in the file itself. */
    readonly file: string,
    readonly key: string | undefined,
    readonly problem: string,
  ) {
    super(key === undefined ? `${file}: ${problem}` : `${file}: ${key}: ${problem}`);
    this.name = "ConfigError";
  }
}
