/**
 * Credential formats for the leakage tests: realistic-looking but FAKE values, generated from a fixed
 * seed (so the source holds no token-shaped literals a scanner would flag, and every run is the same).
 * Each entry has the secret itself (what must never show) and the text it sits in (how it appears in
 * a command, a header, a config line, ...).
 */

/** A small deterministic PRNG (mulberry32), so the fake values are stable across runs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const DIGITS = "0123456789";
export const ALNUM = UPPER + LOWER + DIGITS;
export const HEX = "0123456789abcdef";
export const B64 = `${ALNUM}+/`;
export const B64URL = `${ALNUM}_-`;

const random = prng(0x5eC7e7);
/** `n` characters from `alphabet`, always ending in a letter or digit (so word boundaries hold). */
function chars(alphabet: string, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  const ends = [...alphabet].filter((c) => ALNUM.includes(c));
  return out.slice(0, -1) + ends[Math.floor(random() * ends.length)]!;
}

export type SecretSample = {
  /** The credential format. */
  kind: string;
  /** The secret: no part of it may show below confidential clearance. */
  secret: string;
  /** The secret in context, as it would appear in a transcript. */
  text: string;
};

const pemBody = (lines: number) => Array.from({ length: lines }, () => chars(B64, 64)).join("\n");
const sample = (kind: string, secret: string, text: (s: string) => string = (s) => s): SecretSample => ({ kind, secret, text: text(secret) });

const jwt = () =>
  `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${chars(B64URL, 60)}.${chars(B64URL, 43)}`;
const rsaBody = pemBody(6);
const opensshBody = pemBody(5);
const pgpBody = pemBody(5);
const cutBody = pemBody(4);

export const SECRET_CORPUS: SecretSample[] = [
  sample("aws_access_key_id", `AKIA${chars(UPPER + DIGITS, 16)}`, (s) => `export AWS_ACCESS_KEY_ID=${s}`),
  sample("aws_secret_access_key", chars(ALNUM + "/+", 40), (s) => `aws_secret_access_key = ${s}`),
  sample("github_ghp", `ghp_${chars(ALNUM, 36)}`, (s) => `git clone https://github.com/acme/app (token ${s})`),
  sample("github_pat", `github_pat_11${chars(UPPER + DIGITS, 20)}_${chars(ALNUM, 59)}`, (s) => `GITHUB_TOKEN=${s}`),
  sample("gitlab", `glpat-${chars(ALNUM + "_-", 20)}`, (s) => `curl --header "PRIVATE-TOKEN: ${s}" https://gitlab.example.com/api/v4/projects`),
  sample("slack_bot", `xoxb-${chars(DIGITS, 12)}-${chars(DIGITS, 13)}-${chars(ALNUM, 24)}`, (s) => `slack client init with ${s}`),
  sample("slack_webhook", `https://hooks.slack.com/services/T${chars(UPPER + DIGITS, 8)}/B${chars(UPPER + DIGITS, 10)}/${chars(ALNUM, 24)}`, (s) => `posting to ${s} now`),
  sample("stripe_live", `sk_live_${chars(ALNUM, 24)}`, (s) => `Stripe.api_key = '${s}'`),
  sample("openai_proj", `sk-proj-${chars(B64URL, 48)}`, (s) => `OPENAI_API_KEY=${s}`),
  sample("anthropic", `sk-ant-api03-${chars(B64URL, 86)}AA`, (s) => `client = Anthropic(api_key="${s}")`),
  sample("google_api_key", `AIza${chars(B64URL, 35)}`, (s) => `https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${s}`),
  sample("google_oauth", `ya29.${chars(B64URL, 120)}`, (s) => `gcloud token: ${s}`),
  sample("jwt", jwt(), (s) => `session cookie value ${s} expires tomorrow`),
  sample("bearer", chars(ALNUM + "._-", 40), (s) => `Authorization: Bearer ${s}`),
  sample("basic_auth", Buffer.from(`deploy:${chars(ALNUM, 18)}`).toString("base64"), (s) => `Authorization: Basic ${s}`),
  sample("rsa_private_key", rsaBody, (s) => `-----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY-----`),
  sample("openssh_private_key", opensshBody, (s) => `cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\n${s}\n-----END OPENSSH PRIVATE KEY-----\n`),
  sample("pgp_private_key", pgpBody, (s) => `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${s}\n-----END PGP PRIVATE KEY BLOCK-----`),
  sample("private_key_unterminated", cutBody, (s) => `here is the key:\n-----BEGIN PRIVATE KEY-----\n${s}`),
  sample("private_key_cut_midway", cutBody.slice(0, 150), (s) => `-----BEGIN EC PRIVATE KEY-----\n${s}`),
  sample("postgres_url", chars(ALNUM, 20), (s) => `DATABASE_URL=postgres://app_user:${s}@db.internal:5432/app`),
  sample("mysql_url", chars(ALNUM, 16), (s) => `mysql://root:${s}@127.0.0.1:3306/shop`),
  sample("mongodb_srv", chars(ALNUM, 24), (s) => `mongodb+srv://svc:${s}@cluster0.ab1cd.mongodb.net/prod?retryWrites=true`),
  sample("redis_url", chars(ALNUM, 22), (s) => `REDIS_URL=redis://:${s}@cache.internal:6379/0`),
  sample("amqp_url", chars(ALNUM, 18), (s) => `amqp://rabbit:${s}@mq.internal:5672/vhost`),
  sample("password_assignment", `Pw-${chars(ALNUM, 14)}!`, (s) => `db.connect(host, password=${s})`),
  sample("json_password", chars(ALNUM, 16), (s) => `config: {"user": "svc", "password": "${s}"}`),
  sample("azure_account_key", `${chars(B64, 86)}==`, (s) => `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${s};EndpointSuffix=core.windows.net`),
  sample("azure_sas_sig", `${chars(ALNUM, 40)}%3D`, (s) => `https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&se=2026-01-01&sp=r&sig=${s}`),
  sample("sendgrid", `SG.${chars(B64URL, 22)}.${chars(B64URL, 43)}`, (s) => `SENDGRID_API_KEY=${s}`),
  sample("npm", `npm_${chars(ALNUM, 36)}`, (s) => `//registry.npmjs.org/:_authToken=${s}`),
  sample("pypi", `pypi-AgEIcHlwaS5vcmc${chars(B64URL, 60)}`, (s) => `twine upload -p ${s} dist/*`),
  sample("huggingface", `hf_${chars(ALNUM, 34)}`, (s) => `huggingface-cli login --token ${s}`),
  sample("telegram_bot", `${chars(DIGITS, 10)}:AA${chars(B64URL, 33)}`, (s) => `https://api.telegram.org/bot${s}/sendMessage`),
  sample("discord_bot", `MT${chars(ALNUM, 24)}.${chars(B64URL, 6)}.${chars(B64URL, 38)}`, (s) => `client.login("${s}")`),
  sample("twilio_sk", `SK${chars(HEX, 32)}`, (s) => `twilio api key sid ${s}`),
  sample("mailgun", `key-${chars(HEX, 32)}`, (s) => `mailgun api ${s}`),
  sample("shopify", `shpat_${chars(HEX, 32)}`, (s) => `X-Shopify-Access-Token ${s}`),
  sample("digitalocean", `dop_v1_${chars(HEX, 64)}`, (s) => `doctl auth init -t ${s}`),
  sample("square", `sq0atp-${chars(B64URL, 22)}`, (s) => `square access ${s}`),
  sample("age", `AGE-SECRET-KEY-1${chars("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58).toUpperCase()}`, (s) => `# created: 2026-01-01\n${s}`),
  sample("linear", `lin_api_${chars(ALNUM, 40)}`, (s) => `LINEAR_KEY ${s}`),
  sample("notion", `ntn_${chars(ALNUM, 46)}`, (s) => `notion integration ${s}`),
  sample("vault", `hvs.${chars(B64URL, 90)}`, (s) => `VAULT_TOKEN=${s} vault kv get secret/app`),
  sample("databricks", `dapi${chars(HEX, 32)}`, (s) => `databricks configure --token ${s}`),
  sample("url_api_key", chars(ALNUM, 32), (s) => `GET https://api.example.com/v2/items?limit=10&api_key=${s}&page=2`),
  sample("x_api_key_header", chars(ALNUM, 32), (s) => `curl -H "x-api-key: ${s}" https://api.example.com`),
  // variants that escaped the first patterns
  sample("telegram_bot_dash_end", `${chars(DIGITS, 9)}:AA${chars(B64URL, 32)}-`, (s) => `TELEGRAM_TOKEN ${s} is set`),
  sample("env_pass", `Tr0ub4dor-${chars(ALNUM, 10)}`, (s) => `export DB_PASS=${s} && ./migrate`),
  sample("cli_password_flag", `Q7v-${chars(ALNUM, 12)}`, (s) => `mysql -u root --password ${s} shop < dump.sql`),
  sample("cli_passphrase_flag", `Hx8-${chars(ALNUM, 12)}`, (s) => `gpg --batch --passphrase ${s} -d backup.gpg`),
  sample("authorization_token_scheme", chars(HEX, 40), (s) => `Authorization: Token ${s}`),
  sample("stripe_webhook_secret", `whsec_${chars(ALNUM, 32)}`, (s) => `verifying with ${s} now`),
  sample("cookie_header", chars(ALNUM, 32), (s) => `Cookie: sessionid=${s}; theme=dark`),
  sample("django_secret_key", `django-insecure-${chars(ALNUM + "#$%^&*", 40)}`, (s) => `SECRET_KEY = '${s}'`),
];

/** Values that look like nothing in particular and are secret only because of the field that holds them. */
export const FIELD_SECRETS: Record<string, string> = {
  password: "correct-horse-battery-42",
  token: "tkn-plain-looking-value-9971",
  apiKey: "plain-api-key-value-4410",
  secret: "plain-secret-value-8823",
  authorization: "Token plain-auth-value-7781",
  cookie: "sessionid=plain-cookie-value-3356",
  client_secret: "plain-client-secret-6609",
  "X-Api-Key": "plain-header-key-5128",
  // (were missed: the name check only matched the end of the name)
  SECRET_KEY: "plain-django-secret-4471",
  DB_PASS: "plain-db-pass-value-2290",
  api_keys: "plain-api-keys-list-6617",
  passwords: "plain-passwords-list-3385",
  signingKey: "plain-signing-key-9043",
  AUTH: "plain-auth-value-5572",
  "x-auth": "plain-x-auth-header-1180",
  session_key: "Zq8vR2mK7xW4pL9sT3nB6yH1",
};

/** Every window of `size` characters of a secret (the whole secret when shorter): none may show. */
export function secretWindows(secret: string, size = 12): string[] {
  const compact = secret.replace(/\s+/g, "");
  if (compact.length <= size) return [compact];
  const windows: string[] = [];
  for (let i = 0; i + size <= compact.length; i += Math.max(1, Math.floor(size / 2))) windows.push(compact.slice(i, i + size));
  return windows;
}

/** The windows of `secrets` that occur in `output` (empty when nothing leaked). */
export function leaks(output: string, secrets: readonly string[], size = 12): string[] {
  const flat = output.replace(/\\n/g, "").replace(/\s+/g, "");
  return secrets.flatMap((secret) => secretWindows(secret, size).filter((w) => flat.includes(w)));
}
