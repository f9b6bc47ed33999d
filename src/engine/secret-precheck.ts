/**
 * The redactor's pre-check: false only where no built-in pattern of redact.ts can match, so most text
 * (which holds no secret) skips the patterns. It may say true where none matches: that only costs the
 * patterns' own pass.
 *
 * Every pattern needs some literal or character class near its start; this looks for those, not for
 * the whole secret. The alternation of all the patterns ran at ~60 MB/s because V8 tries each of them at
 * every position; here one expression starts with a single character class of rare punctuation, which
 * V8 scans for fast, and only there looks back (and ahead) for what a pattern needs around it. The few
 * patterns with no punctuation (AKIA..., Bearer, ...) have a second, case-sensitive expression of
 * literals. Both are linear, like the patterns: every look-around and repetition is bounded.
 *
 * test/redact-precheck.test.ts holds a generator per pattern kind: a pattern added to redact.ts without
 * its literal here fails it.
 */

/** The context words the keyword patterns need before ":" or "=" (assignment, aws_secret_access_key, basic_auth, authorization_header, cookie_header, azure_storage_key). */
const KEY_WORDS = String.raw`password|passwd|pwd|secret[_-]?key(?:[_-]?base)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?token|credentials?|pass(?:phrase)?|authorization|cookie|accountkey|sharedaccesskey`;

/** Case-insensitive (the keyword patterns are; the others lose nothing by it), each branch after the punctuation it starts at. */
const AT_PUNCTUATION = new RegExp(
  `[-_.:=?&](?:${[
    // assignment, aws_secret_access_key, basic_auth, authorization_header, cookie_header, azure_storage_key
    String.raw`(?<=(?:${KEY_WORDS})["']?\s{0,8}[:=])`,
    // sas_signature, url_secret_param
    String.raw`(?<=[?&])(?:sig|access_token|token|api_key|apikey|key|secret|client_secret|password|auth|signature)=`,
    // cli_flag; private_key
    String.raw`(?<=-)(?:pass|token|secret|api|auth|access|client|----begin )`,
    // gitlab_token, slack_token, anthropic_key, openai_key, pypi_token, mailgun_key, square_token, age_secret_key, ai_provider_key (xai-, pplx-)
    String.raw`(?<=(?:glpat|xox[abposr]|sk|pypi|key|sq0(?:atp|csp)|age|xai|pplx)-)(?=[a-z0-9_-]{10})`,
    // github_token, github_pat, stripe_key, stripe_webhook_secret, npm_token, huggingface_token, shopify_token, digitalocean_token, linear_key, notion_token, ai_provider_key (gsk_, r8_)
    String.raw`(?<=(?:gh[opusr]|github|[sr]k|whsec|npm|hf|shp(?:at|ca|pa|ss)|do[opr]|lin|secret|ntn|gsk|r8)_)`,
    // google_oauth_token, sendgrid_key, vault_token, doppler_token, slack_webhook; jwt; discord_bot_token
    String.raw`(?<=(?:ya29|sg|hvs|dp|hooks)\.)|(?<=\.)eyj|(?<=[a-z0-9_-]{24}\.)(?=[a-z0-9_-]{6}\.)`,
    // url_password; telegram_bot_token
    String.raw`(?<=:)\/\/[^\s:@/]{0,256}:|(?<=\d:)[a-z0-9_-]{35}`,
  ].join("|")})`,
  "i",
);

/** aws_access_key_id, google_api_key, atlassian_token, twilio_key, bearer_token, databricks_token. */
const LITERALS = /A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|ROA|PKA|Iza|TATT3)|SK[0-9a-fA-F]{32}|[Bb][Ee][Aa][Rr][Ee][Rr]\s|dapi[a-f0-9]{32}/;

/** False only where no built-in secret pattern matches `text`. */
export function mayHoldSecret(text: string): boolean {
  return AT_PUNCTUATION.test(text) || LITERALS.test(text);
}
