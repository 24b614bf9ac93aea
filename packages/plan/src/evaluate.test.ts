// A program that stops says why in one line: the warnings it gave before stopping are not printed
// ahead of its error (stderr would hold two lines, the first not the reason). One evaluation here:
// the SDK keeps its state in module globals.
import * as pulumi from "@pulumi/pulumi";
import { evaluate } from "./evaluate";

test("a program that warns, then fails: the evaluation rejects with its error, and no warning is printed", async () => {
  const printed: unknown[][] = [];
  const warn = jest.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void printed.push(args));
  try {
    const program = async () => {
      pulumi.log.warn("a pool is skipped");
      throw new pulumi.RunError("stacks/Pulumi.t.yaml: sophia:x: the reason");
    };
    await expect(evaluate({ project: "sophia", stack: "t", config: {}, secretKeys: [], program })).rejects.toThrow("stacks/Pulumi.t.yaml: sophia:x: the reason");
    expect(printed).toEqual([]);
  } finally {
    warn.mockRestore();
  }
});
