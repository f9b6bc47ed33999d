/**
 * Field names whose values are secrets whatever they look like (`DB_PASS`, `api_keys`, `signingKey`,
 * `x-auth`, ...). A name is split into lower-case words (camelCase, snake_case, kebab-case, dots,
 * spaces, digits), and a secret word anywhere in it counts, with three exceptions that keep ordinary
 * fields readable:
 * - a name that ends in a word describing the secret rather than holding it (`tokenCount`,
 *   `passwordLength`, `secretName`, `authUrl`, `privateKeyPath`) is not a secret;
 * - `token` counts only for one token (`accessToken`, `auth_token`, `token`); token counts
 *   (`tokens`, `totalTokens`, `maxTokens`, `input_token`) are usage figures;
 * - `key` counts only after a word that makes it a credential (`apiKey`, `SECRET_KEY`, `signingKey`),
 *   never alone (`key` is a state change's name) nor as `monkey` or `keyboard`.
 * A session key (`sessionKey`, `childSessionKey`) names a session, it is not a secret: its value is
 * redacted only when it does not look like one (see `looksLikeSessionKey`).
 */

/** Words that make any name holding them secret. */
const SECRET_WORDS = new Set([
  "password", "passwd", "pwd", "pass", "passphrase", "passcode", "pin", "otp", "totp",
  "secret", "credential", "cookie", "auth", "authorization", "authentication", "apikey", "bearer", "jwt", "passkey",
]);

/** Roots that make a name secret even glued to other words (`dbpassword`, `clientsecret`, `mysqlpasswd`). */
const SECRET_ROOTS = /password|passwd|passphrase|secret(?!ar)|credential|apikey|accesskey|privatekey|authtoken|accesstoken|refreshtoken|bearertoken|privkey/;

/** Words that, before `key` (or `keys`), make it a credential. */
const KEY_QUALIFIERS = new Set([
  "api", "access", "private", "secret", "signing", "sign", "encryption", "encrypt", "decryption", "crypto", "master",
  "client", "auth", "app", "account", "shared", "storage", "webhook", "hmac", "ssh", "gpg", "pgp", "deploy",
  "license", "consumer", "service", "root", "admin", "db", "database", "jwt", "aes", "rsa", "subscription", "session",
]);

/** Words that, before `tokens`, make it a list of credentials rather than a count. */
const TOKEN_QUALIFIERS = new Set([
  "api", "access", "auth", "refresh", "bearer", "oauth", "id", "session", "bot", "personal", "github", "gh", "slack",
  "service", "csrf", "xsrf", "device", "client", "secret", "user", "app", "security",
]);

/** Words that, before `token`, make it a count of tokens (of a model's usage). */
const COUNT_WORDS = new Set([
  "total", "input", "output", "max", "min", "prompt", "completion", "cache", "cached", "reasoning", "context",
  "used", "remaining", "num", "estimated", "billed", "new", "generated", "read", "write", "thinking", "audio",
  "text", "image", "per", "avg", "average",
]);

/** Last words that describe a secret rather than hold it. */
const DESCRIPTORS = new Set([
  "type", "types", "kind", "name", "names", "id", "ids", "url", "uri", "endpoint", "path", "file", "dir", "env",
  "var", "field", "method", "mode", "scheme", "provider", "count", "counts", "length", "len", "size", "limit",
  "limits", "max", "min", "budget", "usage", "enabled", "required", "expiry", "expires", "expiration", "expired",
  "ttl", "at", "version", "policy", "strength", "label", "description", "prompt", "status", "valid", "rotation",
  "age", "lifetime", "index", "estimate", "ratio", "rate", "window", "cost", "format", "source", "ref", "location",
]);

const SESSION_KEY = "session key";

/** The lower-case words of a name: `xApiKey` -> x api key, `DB_PASS` -> db pass, `signingKey2` -> signing key. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** "secret", "session key" (decided by the value) or undefined: what a field's name says of its value. */
function nameSays(name: string): "secret" | typeof SESSION_KEY | undefined {
  const words = nameWords(name);
  if (words.length === 0) return undefined;
  const last = words.at(-1)!;
  if (words.length > 1 && DESCRIPTORS.has(last)) return undefined;
  let sessionKey = false;
  for (const [i, word] of words.entries()) {
    const before = words.slice(0, i);
    const previous = words[i - 1];
    if (SECRET_WORDS.has(word) || SECRET_WORDS.has(singular(word)) || SECRET_ROOTS.test(word)) return "secret";
    if (word === "token") {
      if (!before.some((w) => COUNT_WORDS.has(w))) return "secret";
    } else if (word === "tokens") {
      if (previous !== undefined && TOKEN_QUALIFIERS.has(previous)) return "secret";
    } else if ((word === "key" || word === "keys") && previous !== undefined && KEY_QUALIFIERS.has(previous)) {
      if (previous !== "session") return "secret";
      sessionKey = true;
    }
  }
  return sessionKey ? SESSION_KEY : undefined;
}

function singular(word: string): string {
  return word.length > 3 && word.endsWith("s") ? word.slice(0, -1) : word;
}

/**
 * An OpenClaw session key (`agent:main:main`, `agent:main:subagent:<uuid>`), a session id (a UUID) or a
 * plain name (`main`, `global`): what a session key field holds in this product. A long random string
 * there (a web framework's session signing key) is a credential.
 */
export function looksLikeSessionKey(value: string): boolean {
  return (
    /^[A-Za-z0-9_.-]+(?::[^\s:]*)+$/.test(value) ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ||
    /^[A-Za-z][A-Za-z_-]{0,31}$/.test(value)
  );
}

/**
 * Whether the value of a field of this name is a secret (redacted whatever it looks like). With the
 * value, a session key field is judged by what it holds; without it, only names that are always
 * secret count.
 */
export function isSensitiveKey(name: string, value?: unknown): boolean {
  const says = nameSaysOnce(name);
  if (says === "secret") return true;
  if (says === SESSION_KEY) return typeof value === "string" && value.length > 0 && !looksLikeSessionKey(value);
  return false;
}

/** What names said, by name: a payload's field names are few and come back in every event. */
const said = new Map<string, ReturnType<typeof nameSays> | null>();
const MAX_NAMES_KEPT = 20_000;

function nameSaysOnce(name: string): ReturnType<typeof nameSays> {
  let says = said.get(name);
  if (says === undefined) {
    says = nameSays(name) ?? null;
    if (said.size >= MAX_NAMES_KEPT) said.clear();
    said.set(name, says);
  }
  return says ?? undefined;
}
