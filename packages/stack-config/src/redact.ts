// Values quoted back in messages. Redaction is by key, not by look: a secret key's value is never
// quoted (the loader refuses a plaintext one without printing it), and every other value is shown, so
// the message can be acted on (a digest, a host with a port, a name), with two exceptions wherever they
// appear, URL paths included: a substring in a known credential format, and a URL's user info or
// credential-named query parameter. Invisible and non-ASCII characters are escaped and named, so two
// names that look identical on screen do not read identical in the message.
//
// The credential formats are kept here rather than taken from a scanner such as secretlint: its
// rules run asynchronously, and these messages are built synchronously inside a zod parse and a
// Pulumi RunError.

/** Credential formats that never appear in a config value by accident: each is hidden wherever it is. */
export const CREDENTIAL_PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "an OpenAI-style or Anthropic API key", pattern: /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/g },
  { what: "a Stripe-style key", pattern: /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { what: "a Lambda Cloud API key", pattern: /\bsecret_[A-Za-z0-9_-]{16,}/g },
  { what: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g },
  { what: "a GitLab token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { what: "a Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { what: "a Slack webhook path", pattern: /\bT[A-Z0-9]{8,}\/B[A-Z0-9]{8,}\/[A-Za-z0-9]{20,}/g },
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { what: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { what: "a Hugging Face token", pattern: /\bhf_[A-Za-z0-9]{30,}/g },
  { what: "a SendGrid key", pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g },
  { what: "a JSON web token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[^]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g },
];

/** Query parameters whose value is a credential, whatever it looks like. */
const CREDENTIAL_PARAMETER = /key|token|secret|password|auth|signature|sig$/i;

export const HIDDEN = "<credential hidden>";

/** The known credential formats the text holds, each named with its article (empty: none). */
export function credentialsIn(text: string): string[] {
  return CREDENTIAL_PATTERNS.filter(({ pattern }) => new RegExp(pattern.source, pattern.flags).test(text)).map(({ what }) => what);
}

/** Credentials in a URL: user info, or a credential-named query parameter. */
export function urlCredentials(text: string): boolean {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  return !!url && (url.username !== "" || url.password !== "" || [...url.searchParams.keys()].some((k) => CREDENTIAL_PARAMETER.test(k)));
}

/** The text with every credential in it replaced by HIDDEN. */
export function hideCredentials(text: string): string {
  let shown = CREDENTIAL_PATTERNS.reduce((t, { pattern }) => t.replace(pattern, HIDDEN), text);
  if (urlCredentials(shown)) {
    const url = new URL(shown);
    if (url.username !== "" || url.password !== "") [url.username, url.password] = [HIDDEN, ""];
    for (const key of [...url.searchParams.keys()]) if (CREDENTIAL_PARAMETER.test(key)) url.searchParams.set(key, HIDDEN);
    // URL encodes the marker; it reads better as written.
    shown = url.href.replaceAll(encodeURIComponent(HIDDEN), HIDDEN).replaceAll(encodeURIComponent(HIDDEN).replaceAll("%20", "+"), HIDDEN);
  }
  return shown;
}

/** Characters shown as they are: printable ASCII. Everything else is escaped (\u200b, \u{1f680}). */
const PLAIN = /^[\x21-\x7e]$/;

const escape = (ch: string) => {
  const code = ch.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** The text with invisible and non-ASCII characters escaped; an inner ASCII space stays a space,
 * one at either end is escaped (it would be invisible there). */
export function printable(text: string): string {
  const chars = [...text];
  return chars.map((ch, i) => (PLAIN.test(ch) || (ch === " " && i > 0 && i < chars.length - 1) ? ch : escape(ch))).join("");
}

/** What a character is, from its Unicode properties (the first that matches). */
const KINDS: readonly (readonly [RegExp, string])[] = [
  [/^ $/, "a space"],
  [/^\p{Cf}$/u, "an invisible formatting character"],
  [/^\p{Cc}$/u, "a control character"],
  [/^\p{Z}$/u, "a space that is not the ASCII space"],
  [/^\p{Mn}$/u, "a combining mark"],
  [/^\p{Script=Cyrillic}$/u, "a Cyrillic letter"],
  [/^\p{Script=Greek}$/u, "a Greek letter"],
  [/^\p{Script=Armenian}$/u, "an Armenian letter"],
  [/^\p{Script=Cherokee}$/u, "a Cherokee letter"],
  [/^\p{Script=Latin}$/u, "a non-ASCII Latin letter"],
  [/^\p{Extended_Pictographic}$/u, "an emoji"],
  [/^\p{Nd}$/u, "a non-ASCII digit"],
  [/^\p{P}$/u, "a non-ASCII punctuation mark"],
];

/** The escaped characters of `text`, each named once: `\u200b (an invisible formatting character)`;
 * empty when there are none. A space at either end counts only in a name (a quoted value shows it). */
export function unusualCharacters(text: string, spacesAtEnds = true): string {
  const chars = [...text];
  const seen = new Map<string, string>();
  chars.forEach((ch, i) => {
    const atEnd = ch === " " && spacesAtEnds && (i === 0 || i === chars.length - 1);
    if (PLAIN.test(ch) || (ch === " " && !atEnd) || seen.has(ch)) return;
    const kind = KINDS.find(([test]) => test.test(ch))?.[1] ?? "a non-ASCII character";
    seen.set(ch, `${escape(ch)} (${kind}${atEnd ? ` at the ${i === 0 ? "start" : "end"}` : ""})`);
  });
  return [...seen.values()].join(", ");
}

/** A name as a message shows it, and what its unusual characters are: `sophia:protect\u200b` and
 * ` The name holds \u200b (an invisible formatting character): retype it.` (empty when plain). */
export function describeName(name: string): { readonly shown: string; readonly note: string } {
  const unusual = unusualCharacters(name);
  return { shown: printable(name), note: unusual ? ` The name holds ${unusual}: retype it.` : "" };
}

/** Longest value text quoted whole; longer ones are cut, saying how long they are. */
export const SHOWN_CHARACTERS = 120;

/** A value as it may appear in a message: JSON, credentials hidden, unusual characters escaped and
 * named, cut to a readable length. `written`: a number's text as the file writes it (beyond 2^53 a
 * number read as a double is another number). */
export function describeValue(value: unknown, written?: string): string {
  if (written !== undefined) return written;
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const strings: string[] = [];
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== "string") return v;
    strings.push(v);
    return hideCredentials(v);
  });
  const text = printable(json ?? String(value));
  const cut = text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS - 20)}… (${[...json].length} characters)` : text;
  const unusual = [...new Set(strings.map((s) => unusualCharacters(hideCredentials(s), false)).filter(Boolean))].join(", ");
  return unusual ? `${cut}, which holds ${unusual}` : cut;
}
