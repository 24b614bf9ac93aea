// Values quoted back in messages, without the ones that look like secrets: a pasted API key in the
// wrong field, or credentials in a URL, must not reach a terminal or a CI log.

/** Shannon entropy of a string, bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/** A token that reads like a credential: long, no spaces, mixed letters and digits, high entropy. */
export function looksLikeSecret(text: string): boolean {
  if (/^(sk|pk|rk|ghp|gho|xox[abp]|AKIA|secret)[-_]/i.test(text) && text.length >= 16) return true;
  if (text.length < 20 || /\s/.test(text) || /^[a-z]+:\/\//i.test(text)) return false;
  return /[a-z]/i.test(text) && /\d/.test(text) && entropy(text) >= 3.5;
}

/** Credentials in a URL: user info, or a key-like query parameter. */
export function urlCredentials(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== "" || url.password !== "" || [...url.searchParams.keys()].some((k) => /key|token|secret|password|auth/i.test(k));
  } catch {
    return false;
  }
}

/** A value as it may appear in a message: JSON, shortened, with secret-looking parts hidden. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? hide(v) : v));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function hide(text: string): string {
  if (urlCredentials(text)) {
    const url = new URL(text);
    return `${url.protocol}//<credentials hidden>@${url.host}${url.pathname}`;
  }
  return looksLikeSecret(text) ? `<a ${text.length}-character value that looks like a secret, not shown>` : text;
}
