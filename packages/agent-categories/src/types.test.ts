// Type-level tests: the fixtures hold declarations that must not compile, each marked with
// `// @ts-expect-error`. Compiled as written they give no error; turned into valid code, the
// directive is unused and the compiler reports TS2578, so the test fails.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const fixtures = path.join(__dirname, "__fixtures__");

function diagnosticsFor(files: Record<string, string>): ts.Diagnostic[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (name) => files[path.resolve(name)] ?? read(name);
  const program = ts.createProgram(Object.keys(files), options, host);
  return [...ts.getPreEmitDiagnostics(program)];
}

const render = (ds: readonly ts.Diagnostic[]) => ds.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`).join("\n");

const invalidFixtures = [
  { file: "agent-with-unknown-category.ts", repair: ['category: "sales-magic"', 'category: "research"'] },
  { file: "agent-with-disallowed-server.ts", repair: ['mcpServers: ["gong"]', 'mcpServers: ["memory"]'] },
  { file: "category-with-unknown-server.ts", repair: ['mcpServers: ["slack"]', 'mcpServers: ["memory"]'] },
] as const;

describe("the type system guards the catalog", () => {
  it("compiles every fixture as written: each @ts-expect-error meets the error it expects", () => {
    const files = Object.fromEntries(fs.readdirSync(fixtures).map((f) => [path.join(fixtures, f), fs.readFileSync(path.join(fixtures, f), "utf8")]));
    expect(render(diagnosticsFor(files))).toBe("");
  });

  it.each(invalidFixtures)("fails to compile $file once its bad line is made valid", ({ file, repair }) => {
    const full = path.join(fixtures, file);
    const original = fs.readFileSync(full, "utf8");
    const repaired = original.replace(repair[0], repair[1]);
    expect(repaired).not.toBe(original);
    const diagnostics = diagnosticsFor({ [full]: repaired });
    expect(diagnostics.map((d) => d.code)).toContain(2578); // Unused '@ts-expect-error' directive.
  });
});
