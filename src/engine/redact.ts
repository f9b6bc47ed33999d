import { secretKindsIn } from "./secret-precheck.js";

/**
 * Credential-like strings, replaced by "[REDACTED:<kind>]" for callers below confidential clearance.
 * Every expression is linear, with a small constant, so hostile text cannot stall a query: no nested
 * unbounded quantifiers, and no scan that starts again at every position of a long run (a pattern
 * that would starts at a literal, e.g. "://", or only where a run begins, by a lookbehind).
 * Patterns with a context prefix keep the prefix (group 1) and replace only the secret. A new pattern
 * needs its literal in the pre-check (secret-precheck.ts) too.
 */
type SecretPattern = { kind: string; regex: RegExp; keepPrefix?: boolean };

export const PATTERNS: SecretPattern[] = [
  { kind: "private_key", regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { kind: "aws_access_key_id", regex: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[0-9A-Z]{16}\b/g },
  { kind: "aws_secret_access_key", regex: /((?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)["']?\s{0,8}[:=]\s{0,8}["']?)[A-Za-z0-9/+=]{40}/gi, keepPrefix: true },
  { kind: "github_token", regex: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/g },
  { kind: "github_pat", regex: /\bgithub_pat_[A-Za-z0-9_]{22,255}/g },
  { kind: "gitlab_token", regex: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: "slack_token", regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "slack_webhook", regex: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { kind: "stripe_key", regex: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: "stripe_webhook_secret", regex: /\bwhsec_[A-Za-z0-9+/=]{24,}/g },
  { kind: "anthropic_key", regex: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai_key", regex: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: "google_api_key", regex: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: "google_oauth_token", regex: /\bya29\.[0-9A-Za-z_-]{20,}/g },
  { kind: "jwt", regex: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { kind: "bearer_token", regex: /(\bBearer\s{1,8})[A-Za-z0-9._~+/=-]{8,}/gi, keepPrefix: true },
  { kind: "basic_auth", regex: /(\bauthorization["']?\s{0,8}[:=]\s{0,8}["']?Basic\s{1,8})[A-Za-z0-9+/]{8,}={0,2}/gi, keepPrefix: true },
  // any other scheme ("Token x", "Digest ...", "SSWS x") or a bare credential after an Authorization header
  {
    kind: "authorization_header",
    regex: /(\b(?:proxy-)?authorization["']?\s{0,8}[:=]\s{0,8}["']?(?!(?:Bearer|Basic)\s)(?:[A-Za-z][A-Za-z0-9-]{0,30}[ \t]{1,8})?)(?!\[REDACTED)[^\s"',;]{8,}/gi,
    keepPrefix: true,
  },
  { kind: "cookie_header", regex: /(\b(?:set-)?cookie["']?\s{0,8}:\s{0,8}["']?)(?!\[REDACTED)[^\s=;"',]{1,256}=[^\r\n"']{4,}/gi, keepPrefix: true },
  { kind: "url_password", regex: /(:\/\/[^\s:@/]{0,256}:)[^\s@/]{1,256}(?=@)/g, keepPrefix: true },
  { kind: "azure_storage_key", regex: /(\b(?:AccountKey|SharedAccessKey)\s{0,8}=\s{0,8})[A-Za-z0-9+/=]{20,}/gi, keepPrefix: true },
  { kind: "sas_signature", regex: /([?&]sig=)[A-Za-z0-9%+/=]{16,}/gi, keepPrefix: true },
  { kind: "sendgrid_key", regex: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g },
  { kind: "npm_token", regex: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: "pypi_token", regex: /\bpypi-[A-Za-z0-9_-]{50,}/g },
  { kind: "huggingface_token", regex: /\bhf_[A-Za-z0-9]{30,}\b/g },
  // also inside Bot API URLs (".../bot<token>/sendMessage"), and ending in "-" or "_"
  { kind: "telegram_bot_token", regex: /(?<!\d)\d{8,10}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  { kind: "discord_bot_token", regex: /(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![A-Za-z0-9_-])/g },
  { kind: "twilio_key", regex: /\bSK[0-9a-fA-F]{32}\b/g },
  { kind: "mailgun_key", regex: /\bkey-[0-9a-zA-Z]{32}\b/g },
  { kind: "shopify_token", regex: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { kind: "digitalocean_token", regex: /\bdo[opr]_v1_[a-f0-9]{64}\b/g },
  { kind: "square_token", regex: /\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,}/g },
  { kind: "age_secret_key", regex: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g },
  { kind: "linear_key", regex: /\blin_api_[A-Za-z0-9]{40}\b/g },
  { kind: "notion_token", regex: /\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,})\b/g },
  { kind: "ai_provider_key", regex: /\b(?:gsk_[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}|pplx-[A-Za-z0-9]{40,})\b/g },
  { kind: "atlassian_token", regex: /\bATATT3[A-Za-z0-9_=-]{20,}/g },
  { kind: "vault_token", regex: /\bhvs\.[A-Za-z0-9_-]{20,}/g },
  { kind: "doppler_token", regex: /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/g },
  { kind: "databricks_token", regex: /\bdapi[a-f0-9]{32}\b/g },
  // command-line flags: --password VALUE, --token VALUE, ... (not --password-stdin, not the next flag)
  {
    kind: "cli_flag",
    regex: /((?:^|\s)--?(?:password|passwd|pass|passphrase|token|secret|api[_-]?key|auth[_-]?token|access[_-]?token|client[_-]?secret)[ \t]{1,8})(?![-[])[^\s"'`;&|]{4,}/gi,
    keepPrefix: true,
  },
  { kind: "url_secret_param", regex: /([?&](?:access_token|token|api_key|apikey|key|secret|client_secret|password|auth|signature)=)[^&#\s"']{6,}/gi, keepPrefix: true },
  {
    kind: "assignment",
    regex: /((?:password|passwd|pwd|secret[_-]?key(?:[_-]?base)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?token|credentials?|(?<![a-z])pass(?:phrase)?)["']?\s{0,8}[:=]\s{0,8}["']?)[^\s"',;{}()[\]<>]{4,}/gi,
    keepPrefix: true,
  },
];

export type Redactor = (text: string) => { text: string; redacted: boolean };

/** A redactor for the built-in patterns plus any extra regular expressions from the config. */
export function createRedactor(extraPatterns: readonly string[] = []): Redactor {
  const patterns: SecretPattern[] = [...PATTERNS, ...extraPatterns.map((source, i) => ({ kind: `custom_${i + 1}`, regex: new RegExp(source, "g") }))];
  // (the pre-check names the built-in patterns that may match, most often none; extra patterns from the config run always)
  const mayMatch = extraPatterns.length === 0 ? secretKindsIn : undefined;
  return (input) => {
    let candidates = mayMatch?.(input);
    if (candidates?.size === 0) return { text: input, redacted: false };
    let text = input;
    let redacted = false;
    for (let i = 0; i < patterns.length; i++) {
      const { kind, regex, keepPrefix } = patterns[i]!;
      if (candidates && !candidates.has(kind)) continue;
      regex.lastIndex = 0;
      if (!regex.test(text)) continue;
      regex.lastIndex = 0;
      redacted = true;
      text = text.replace(regex, (...match: unknown[]) =>
        keepPrefix ? `${match[1] as string}[REDACTED:${kind}]` : `[REDACTED:${kind}]`,
      );
      // (what the later patterns may match is worked out again on the text as it is now)
      if (i < patterns.length - 1) candidates = mayMatch?.(text);
    }
    return { text, redacted };
  };
}
