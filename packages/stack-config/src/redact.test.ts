// Redaction by key, not by look: public values are shown (cut to a readable length), credentials in
// known formats are hidden wherever they are, and unusual characters are escaped and named.
import { propertyRuns } from "@sophia/agent-categories";
import fc from "fast-check";
import { credentialsIn, describeName, describeValue, HIDDEN, hideCredentials, printable, SHOWN_CHARACTERS, unusualCharacters } from "./redact";

const DIGEST = "debian:trixie-slim@sha256:A29215F6A35E51E22ADFFA17F89E9D2EF06214E64A2BAD10D765C46AEA49F11F";

test("public values are shown whole: an upper-case digest, a host with a port, a model id with digits", () => {
  expect(describeValue(DIGEST)).toBe(JSON.stringify(DIGEST));
  expect(describeValue("mcp.staging.sophia.example:8443")).toBe('"mcp.staging.sophia.example:8443"');
  expect(describeValue("meta-llama/Llama-3.1-70B-Instruct-4bit")).toBe('"meta-llama/Llama-3.1-70B-Instruct-4bit"');
});

test("a long value is cut, saying how long it is", () => {
  const shown = describeValue("u".repeat(10_000));
  expect(shown.length).toBeLessThanOrEqual(SHOWN_CHARACTERS + 20);
  expect(shown).toMatch(/… \(10002 characters\)$/);
});

test.each([
  ["an OpenAI key", "sk-proj-4fQz8XwJ2mN7bV1cR9tY6uP3kL0sD5gH"],
  ["a Lambda Cloud key", "secret_sophia-prod_8c1f4e7a92b34d6e8f0a1b2c3d4e5f60"],
  ["a GitHub token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
  ["an AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
  ["a Slack webhook path", "T0123ABCDE/B0123ABCDE/abcdefghijklmnopqrstuvwx"],
  ["a JSON web token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
])("%s is hidden wherever it appears, URL paths included", (_what, credential) => {
  for (const text of [credential, `https://api.example.com/v1/${credential}/chat`, `prefix ${credential} suffix`]) {
    const shown = describeValue(text);
    expect(shown).not.toContain(credential);
    expect(shown).toContain(HIDDEN);
  }
  expect(credentialsIn(credential)).toHaveLength(1);
});

test("user info and credential-named query parameters are hidden; the rest of the URL is shown", () => {
  expect(hideCredentials("https://admin:hunter2-Zq8vXc71@cloud.lambda.ai/api/v1")).toBe(`https://${HIDDEN}@cloud.lambda.ai/api/v1`);
  expect(hideCredentials("https://api.example.com/v1?api_key=abc123&model=x")).toBe(`https://api.example.com/v1?api_key=${HIDDEN}&model=x`);
});

test("property: a known credential embedded in any text never reaches the message", () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.stringMatching(/^[A-Za-z0-9]{20,40}$/), (before, after, body) => {
      const credential = `sk-proj-${body}`;
      // A separator keeps the key a token of its own, as it is when pasted.
      expect(describeValue(`${before} ${credential} ${after}`)).not.toContain(credential);
    }),
    propertyRuns(100),
  );
});

test("invisible and non-ASCII characters are escaped and named; ASCII is left alone", () => {
  expect(printable("sophia:protect\u200b")).toBe("sophia:protect\\u200b");
  expect(printable("\u0455ophia:protect")).toBe("\\u0455ophia:protect");
  expect(printable("sophia:protect ")).toBe("sophia:protect\\u0020");
  expect(printable("a b")).toBe("a b");
  expect(printable("mcp.🚀.example")).toBe("mcp.\\u{1f680}.example");
  expect(unusualCharacters("\u0455ophia:pr\u043etect\u200b")).toBe("\\u0455 (a Cyrillic letter), \\u043e (a Cyrillic letter), \\u200b (an invisible formatting character)");
  expect(unusualCharacters("sophia:protect ")).toBe("\\u0020 (a space at the end)");
  expect(unusualCharacters("\u00a0x")).toBe("\\u00a0 (a space that is not the ASCII space)");
  expect(describeName("sophia:protect").note).toBe("");
  expect(describeValue("\u0443buntu")).toBe('"\\u0443buntu", which holds \\u0443 (a Cyrillic letter)');
});

test("property: printable text is ASCII, and the same text whenever the input is printable ASCII", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (text) => {
      expect(printable(text)).toMatch(/^[\x20-\x7e]*$/);
    }),
    propertyRuns(100),
  );
  fc.assert(fc.property(fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]*[\x21-\x7e]$/), (text) => expect(printable(text)).toBe(text)), propertyRuns(100));
});

test("numbers as the file writes them", () => {
  expect(describeValue(9007199254740992, "9007199254740993")).toBe("9007199254740993");
  expect(describeValue(Infinity)).toBe("Infinity");
});
