/**
 * The redactor's pre-check: which built-in patterns of redact.ts may match a text. A pattern it leaves
 * out cannot match; one it names may not (that only costs the pattern's own pass). Most text holds no
 * secret and gets none; text that does gets the few kinds it may hold, not all ~45.
 *
 * Every pattern needs some literal or character class near its start; this looks for those, not for
 * the whole secret. The alternation of all the patterns ran at ~60 MB/s because V8 tries each of them
 * at every position; here one expression starts with a single character class of rare punctuation,
 * which V8 scans for fast, and only there looks back (and ahead) for what a pattern needs around it.
 * The few patterns with no punctuation (AKIA..., Bearer, ...) have a second, case-sensitive expression
 * of literals. Both are linear, like the patterns: every look-around and repetition is bounded.
 *
 * test/redact-precheck.test.ts holds a generator per pattern kind: a pattern added to redact.ts without
 * its literal here fails it.
 */

/** What some patterns need in the text, and their kinds. */
type Branch = { kinds: readonly string[]; source: string };

/** The keyword patterns: a word, maybe a quote, up to 8 spaces, then ":" or "=" (then the secret). */
const KEYWORDS = [
  { kinds: ["assignment"], words: "password|passwd|pwd|secret[_-]?key(?:[_-]?base)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?token|credentials?|pass(?:phrase)?" },
  { kinds: ["aws_secret_access_key"], words: "aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key" },
  { kinds: ["basic_auth", "authorization_header"], words: "authorization" },
  { kinds: ["cookie_header"], words: "cookie" },
  { kinds: ["azure_storage_key"], words: "accountkey|sharedaccesskey" },
];
const keywordBefore = (words: string) => String.raw`(?<=(?:${words})["']?\s{0,8}[:=])`;

/** Each after one character of PUNCTUATION (which its lookbehind, if any, includes), case-insensitive: the keyword patterns are, the others lose nothing by it. */
const AFTER_PUNCTUATION: Branch[] = [
  { kinds: ["sas_signature", "url_secret_param"], source: String.raw`(?<=[?&])(?:sig|access_token|token|api_key|apikey|key|secret|client_secret|password|auth|signature)=` },
  { kinds: ["cli_flag"], source: String.raw`(?<=-)(?:pass|token|secret|api|auth|access|client)` },
  { kinds: ["private_key"], source: String.raw`(?<=-)----begin ` },
  {
    kinds: ["gitlab_token", "slack_token", "anthropic_key", "openai_key", "pypi_token", "mailgun_key", "square_token", "age_secret_key", "ai_provider_key"],
    source: String.raw`(?<=(?:glpat|xox[abposr]|sk|pypi|key|sq0(?:atp|csp)|age|xai|pplx)-)(?=[a-z0-9_-]{10})`,
  },
  {
    kinds: ["github_token", "github_pat", "stripe_key", "stripe_webhook_secret", "npm_token", "huggingface_token", "shopify_token", "digitalocean_token", "linear_key", "notion_token", "ai_provider_key"],
    source: String.raw`(?<=(?:gh[opusr]|github|[sr]k|whsec|npm|hf|shp(?:at|ca|pa|ss)|do[opr]|lin|secret|ntn|gsk|r8)_)`,
  },
  { kinds: ["google_oauth_token", "sendgrid_key", "vault_token", "doppler_token", "slack_webhook"], source: String.raw`(?<=(?:ya29|sg|hvs|dp|hooks)\.)` },
  { kinds: ["jwt"], source: String.raw`(?<=\.)eyj` },
  { kinds: ["discord_bot_token"], source: String.raw`(?<=[a-z0-9_-]{24}\.)(?=[a-z0-9_-]{6}\.)` },
  { kinds: ["url_password"], source: String.raw`(?<=:)\/\/[^\s:@/]{0,256}:` },
  { kinds: ["telegram_bot_token"], source: String.raw`(?<=\d:)[a-z0-9_-]{35}` },
];
const PUNCTUATION = "[-_.:=?&]";
const AFTER_PUNCTUATION_EACH: Branch[] = [...KEYWORDS.map(({ kinds, words }) => ({ kinds, source: keywordBefore(words) })), ...AFTER_PUNCTUATION];
// (the scan has the keyword branches as one lookbehind: V8 is ~1.4x slower with one per kind)
const AFTER_PUNCTUATION_ANY = [keywordBefore(KEYWORDS.map((k) => k.words).join("|")), ...AFTER_PUNCTUATION.map((b) => b.source)];

/** The patterns with no punctuation to start from: literals, case-sensitive. */
const LITERAL: Branch[] = [
  { kinds: ["aws_access_key_id"], source: "A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|ROA|PKA)" },
  { kinds: ["google_api_key"], source: "AIza" },
  { kinds: ["atlassian_token"], source: "ATATT3" },
  { kinds: ["twilio_key"], source: "SK[0-9a-fA-F]{32}" },
  { kinds: ["bearer_token"], source: String.raw`[Bb][Ee][Aa][Rr][Ee][Rr]\s` },
  { kinds: ["databricks_token"], source: "dapi[a-f0-9]{32}" },
];

/** Every kind some branch names (for the tests: each built-in pattern's kind must be one). */
export const KINDS_LOOKED_FOR: ReadonlySet<string> = new Set([...AFTER_PUNCTUATION_EACH, ...LITERAL].flatMap((b) => b.kinds));

/** One scan for any of `anySources`, and each branch on its own: tried where that scan stops, or scanning the rest of the text. */
function finder(anySources: string[], branches: Branch[], lead: string, flags: string) {
  const regex = (source: string, more: string) => new RegExp(`${lead}(?:${source})`, flags + more);
  return {
    any: regex(anySources.join("|"), "g"),
    each: branches.map((b) => ({ kinds: b.kinds, here: regex(b.source, "y"), onward: regex(b.source, "g") })),
  };
}
const FINDERS = [finder(AFTER_PUNCTUATION_ANY, AFTER_PUNCTUATION_EACH, PUNCTUATION, "i"), finder(LITERAL.map((b) => b.source), LITERAL, "", "")];
/** Places the scan stops at before each branch scans the rest on its own (text thick with near-secrets: "sk-sk-sk-..."). */
const PLACES_TRIED = 32;

/** What most text gets: no kind (shared, so the common answer allocates nothing). */
const NONE: ReadonlySet<string> = new Set();

/** The kinds of the built-in patterns that may match `text` (none: no built-in pattern does). */
export function secretKindsIn(text: string): ReadonlySet<string> {
  let kinds: Set<string> | undefined;
  for (const { any, each } of FINDERS) {
    any.lastIndex = 0;
    for (let found = any.exec(text), places = 1; found !== null; found = any.exec(text), places++) {
      kinds ??= new Set();
      if (places > PLACES_TRIED) {
        for (const branch of each) {
          if (named(kinds, branch)) continue;
          branch.onward.lastIndex = found.index;
          if (branch.onward.test(text)) name(kinds, branch);
          branch.onward.lastIndex = 0;
        }
        break;
      }
      // (`any` stops at the first branch that holds here; others may hold at the same place)
      for (const branch of each) {
        if (named(kinds, branch)) continue;
        branch.here.lastIndex = found.index;
        if (branch.here.test(text)) name(kinds, branch);
      }
      any.lastIndex = found.index + 1;
    }
  }
  return kinds ?? NONE;
}

const named = (kinds: ReadonlySet<string>, branch: { kinds: readonly string[] }) => branch.kinds.every((kind) => kinds.has(kind));
const name = (kinds: Set<string>, branch: { kinds: readonly string[] }) => branch.kinds.forEach((kind) => kinds.add(kind));
