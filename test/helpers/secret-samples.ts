/**
 * Seeded generators of FAKE secrets, one per built-in pattern kind of src/engine/redact.ts, each as the
 * pattern allows it (every prefix, length range, separator and quote it accepts, keywords in random
 * case for the case-insensitive ones), plus near-misses: a character short, a separator off. The
 * pre-check tests put these in random text; a pattern added without a generator here fails them.
 */
import { Rng } from "../../bench/gen-random.js";
import { ALNUM, B64, B64URL, DIGITS, HEX, UPPER } from "./secret-corpus.js";

export class SecretGen {
  constructor(readonly rng: Rng) {}

  /** `min` to `max` characters of `alphabet` (often exactly `min` or `max`: the bounds are where a pre-check would be off). */
  chars(alphabet: string, min: number, max = min): string {
    let out = "";
    const n = this.rng.chance(0.25) ? min : this.rng.chance(0.33) ? max : this.rng.int(min, max);
    for (let i = n; i > 0; i--) out += alphabet[this.rng.int(0, alphabet.length - 1)];
    return out;
  }
  pick<T>(items: readonly T[]): T {
    return this.rng.pick(items);
  }
  /** `word` with each letter upper or lower case at random. */
  anyCase(word: string): string {
    return [...word].map((c) => (this.rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join("");
  }
  spaces(min: number, max: number): string {
    return this.chars(" \t", min, max);
  }
  quote(): string {
    return this.pick(["", "", '"', "'"]);
  }
}

/** Every way of writing `word` in upper and lower case (for words of up to 12 letters; else 4096 random ones). */
export function caseVariants(word: string, rng: Rng): string[] {
  const letters = [...word].filter((c) => c.toLowerCase() !== c.toUpperCase()).length;
  if (letters > 12) return Array.from({ length: 4096 }, () => new SecretGen(rng).anyCase(word));
  const out: string[] = [];
  for (let mask = 0; mask < 2 ** letters; mask++) {
    let bit = 0;
    out.push([...word].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : (mask >> bit++) & 1 ? c.toUpperCase() : c.toLowerCase())).join(""));
  }
  return out;
}

const AWS_PREFIXES = ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA"];
/** The context keywords of the case-insensitive patterns, as each pattern spells them. */
export const KEYWORDS = {
  aws_secret_access_key: ["aws_secret_access_key", "awssecretaccesskey", "aws_secret_key", "awssecretkey", "secret_access_key", "secretaccesskey", "aws_secretaccess_key"],
  bearer_token: ["Bearer"],
  basic_auth: ["authorization"],
  authorization_header: ["authorization", "proxy-authorization"],
  cookie_header: ["cookie", "set-cookie"],
  azure_storage_key: ["AccountKey", "SharedAccessKey"],
  sas_signature: ["sig"],
  cli_flag: ["password", "passwd", "pass", "passphrase", "token", "secret", "api_key", "api-key", "apikey", "auth_token", "authtoken", "access-token", "client_secret", "clientsecret"],
  url_secret_param: ["access_token", "token", "api_key", "apikey", "key", "secret", "client_secret", "password", "auth", "signature"],
  assignment: ["password", "passwd", "pwd", "secret_key", "secret-key-base", "secretkeybase", "secret", "token", "api_key", "apikey", "access-key", "private_key", "auth_token", "credential", "credentials", "pass", "passphrase"],
} as const;

type Generator = (g: SecretGen) => string;
const keyword = (g: SecretGen, kind: keyof typeof KEYWORDS) => g.anyCase(g.pick(KEYWORDS[kind]));
const assign = (g: SecretGen, separators: string) => `${g.quote()}${g.spaces(0, 8)}${g.pick([...separators])}${g.spaces(0, 8)}${g.quote()}`;

/** A string each pattern kind matches (in text where the pattern's word boundaries hold). */
export const SECRET_GENERATORS: Record<string, Generator> = {
  private_key: (g) =>
    `-----BEGIN ${g.pick(["", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "PGP "])}PRIVATE KEY${g.pick(["", " BLOCK"])}-----\n${g.chars(B64, 20, 200)}${g.pick(["", "\n-----END PRIVATE KEY-----"])}`,
  aws_access_key_id: (g) => `${g.pick(AWS_PREFIXES)}${g.chars(UPPER + DIGITS, 16)}`,
  aws_secret_access_key: (g) => `${keyword(g, "aws_secret_access_key")}${assign(g, ":=")}${g.chars(`${B64}=`, 40)}`,
  github_token: (g) => `${g.pick(["ghp", "gho", "ghu", "ghs", "ghr"])}_${g.chars(ALNUM, 36, 80)}`,
  github_pat: (g) => `github_pat_${g.chars(`${ALNUM}_`, 22, 90)}`,
  gitlab_token: (g) => `glpat-${g.chars(B64URL, 20, 40)}`,
  slack_token: (g) => `xox${g.pick([..."abposr"])}-${g.chars(`${ALNUM}-`, 10, 50)}`,
  slack_webhook: (g) => `https://hooks.slack.com/services/${g.chars(`${ALNUM}/_-`, 1, 60)}`,
  stripe_key: (g) => `${g.pick(["sk", "rk"])}_${g.pick(["live", "test"])}_${g.chars(ALNUM, 16, 40)}`,
  stripe_webhook_secret: (g) => `whsec_${g.chars(`${B64}=`, 24, 50)}`,
  anthropic_key: (g) => `sk-ant-${g.chars(B64URL, 20, 100)}`,
  openai_key: (g) => `sk-${g.pick(["", "proj-", "svcacct-", "admin-"])}${g.chars(B64URL, 20, 90)}`,
  google_api_key: (g) => `AIza${g.chars(B64URL, 35)}`,
  google_oauth_token: (g) => `ya29.${g.chars(B64URL, 20, 120)}`,
  jwt: (g) => `eyJ${g.chars(B64URL, 5, 40)}.eyJ${g.chars(B64URL, 5, 80)}.${g.chars(B64URL, 5, 50)}`,
  bearer_token: (g) => `${keyword(g, "bearer_token")}${g.chars(" \t\n", 1, 8)}${g.chars(`${ALNUM}._~+/=-`, 8, 60)}`,
  basic_auth: (g) => `${keyword(g, "basic_auth")}${assign(g, ":=")}${g.anyCase("Basic")}${g.chars(" \t", 1, 8)}${g.chars(`${ALNUM}+/`, 8, 60)}${"=".repeat(g.rng.int(0, 2))}`,
  authorization_header: (g) =>
    `${keyword(g, "authorization_header")}${assign(g, ":=")}${g.pick(["", `${g.pick(["Token", "Digest", "SSWS", "AWS4-HMAC-SHA256"])}${g.chars(" \t", 1, 8)}`])}${g.chars(`${ALNUM}/+=.-_`, 8, 60)}`,
  cookie_header: (g) => `${keyword(g, "cookie_header")}${g.quote()}${g.spaces(0, 8)}:${g.spaces(0, 8)}${g.quote()}${g.chars(`${ALNUM}_-`, 1, 30)}=${g.chars(`${ALNUM}%;= -`, 4, 60)}`,
  url_password: (g) => `${g.pick(["postgres", "mysql", "redis", "amqp", "https", "mongodb+srv"])}://${g.chars(`${ALNUM}_.-+%!`, 0, 256)}:${g.chars(`${ALNUM}!$%*-`, 1, 40)}@${g.pick(["db.internal", "127.0.0.1:5432", "cache"])}`,
  azure_storage_key: (g) => `${keyword(g, "azure_storage_key")}${g.spaces(0, 8)}=${g.spaces(0, 8)}${g.chars(`${B64}=`, 20, 90)}`,
  sas_signature: (g) => `${g.pick(["?", "&"])}${keyword(g, "sas_signature")}=${g.chars(`${ALNUM}%+/=`, 16, 60)}`,
  sendgrid_key: (g) => `SG.${g.chars(B64URL, 16, 30)}.${g.chars(B64URL, 16, 50)}`,
  npm_token: (g) => `npm_${g.chars(ALNUM, 36)}`,
  pypi_token: (g) => `pypi-${g.chars(B64URL, 50, 90)}`,
  huggingface_token: (g) => `hf_${g.chars(ALNUM, 30, 45)}`,
  telegram_bot_token: (g) => `${g.chars(DIGITS, 8, 10)}:${g.chars(B64URL, 35)}`,
  discord_bot_token: (g) => `${g.pick(["M", "N", "O"])}${g.chars(B64URL, 23, 25)}.${g.chars(B64URL, 6)}.${g.chars(B64URL, 27, 38)}`,
  twilio_key: (g) => `SK${g.chars(`${HEX}ABCDEF`, 32)}`,
  mailgun_key: (g) => `key-${g.chars(ALNUM, 32)}`,
  shopify_token: (g) => `shp${g.pick(["at", "ca", "pa", "ss"])}_${g.chars(`${HEX}ABCDEF`, 32)}`,
  digitalocean_token: (g) => `do${g.pick(["o", "p", "r"])}_v1_${g.chars(HEX, 64)}`,
  square_token: (g) => `sq0${g.pick(["atp", "csp"])}-${g.chars(B64URL, 22, 60)}`,
  age_secret_key: (g) => `AGE-SECRET-KEY-1${g.chars(UPPER + DIGITS, 58)}`,
  linear_key: (g) => `lin_api_${g.chars(ALNUM, 40)}`,
  notion_token: (g) => g.pick([`secret_${g.chars(ALNUM, 43)}`, `ntn_${g.chars(ALNUM, 40, 60)}`]),
  ai_provider_key: (g) => g.pick([`gsk_${g.chars(ALNUM, 40, 60)}`, `xai-${g.chars(ALNUM, 40, 80)}`, `r8_${g.chars(ALNUM, 30, 50)}`, `pplx-${g.chars(ALNUM, 40, 60)}`]),
  atlassian_token: (g) => `ATATT3${g.chars(`${B64URL}=`, 20, 190)}`,
  vault_token: (g) => `hvs.${g.chars(B64URL, 20, 100)}`,
  doppler_token: (g) => `dp.${g.pick(["pt", "st", "sa", "ct", "scim", "audit"])}.${g.chars(ALNUM, 40, 50)}`,
  databricks_token: (g) => `dapi${g.chars(HEX, 32)}`,
  cli_flag: (g) => `${g.pick(["", " ", "\n", "\t"])}${g.pick(["-", "--"])}${keyword(g, "cli_flag")}${g.chars(" \t", 1, 8)}${g.chars(`${ALNUM}!@#$%^*_+=./:`, 4, 40)}`,
  url_secret_param: (g) => `${g.pick(["?", "&"])}${keyword(g, "url_secret_param")}=${g.chars(`${ALNUM}%+/=._~-`, 6, 60)}`,
  assignment: (g) => `${keyword(g, "assignment")}${assign(g, ":=")}${g.chars(`${ALNUM}!@#$%^&*_+=./:-`, 4, 40)}`,
};

/** Near-misses: a secret with one character dropped, changed or doubled, or cut short. */
export function nearMiss(g: SecretGen, secret: string): string {
  const at = g.rng.int(0, Math.max(0, secret.length - 1));
  switch (g.rng.int(0, 3)) {
    case 0:
      return secret.slice(0, at) + secret.slice(at + 1);
    case 1:
      return secret.slice(0, at) + g.pick([..."-_.:= /+@?&\"'Ab9"]) + secret.slice(at + 1);
    case 2:
      return secret.slice(0, at) + secret.charAt(at) + secret.slice(at);
    default:
      return secret.slice(0, Math.max(1, at));
  }
}
