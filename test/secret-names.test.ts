/**
 * Which field names hold secrets whatever their values look like: a corpus of names that must be
 * (split into words, any case, any separator) and of ordinary names that must not be, above all
 * token counts and session keys, which this product shows.
 */
import { describe, expect, it } from "vitest";
import { isSensitiveKey, looksLikeSessionKey, nameWords } from "../src/engine/secret-names.js";

const SECRET_NAMES = [
  "password", "Password", "PASSWORD", "passwd", "pwd", "pass", "DB_PASS", "dbPass", "db-pass", "db.pass", "PGPASSWORD",
  "mysql_root_password", "adminPassword", "passwords", "user.password", "passphrase", "GPG_PASSPHRASE", "passcode", "pin",
  "secret", "secrets", "SECRET_KEY", "secretKey", "secret_key_base", "client_secret", "clientSecret", "webhookSecret",
  "AWS_SECRET_ACCESS_KEY", "token", "TOKEN", "accessToken", "access_token", "refresh_token", "authToken", "idToken",
  "GITHUB_TOKEN", "bot-token", "sessionToken", "api_tokens", "accessTokens", "apiKey", "api_key", "API_KEY", "apikey",
  "x-api-key", "X-Api-Key", "api_keys", "apiKeys", "privateKey", "private_key", "signingKey", "signing_key",
  "encryptionKey", "MASTER_KEY", "APP_KEY", "accountKey", "ssh_key", "Ocp-Apim-Subscription-Key", "credentials",
  "credential", "awsCredentials", "cookie", "Cookie", "set-cookie", "cookies", "authorization", "Authorization",
  "proxy-authorization", "AUTH", "auth", "x-auth", "X-Auth", "basicAuth", "auth_header", "bearer", "jwt", "otp",
  "dbpassword", "clientsecret", "accesstoken", "mySecretValue",
];

const ORDINARY_NAMES = [
  // token counts (usage figures are numbers, never secrets)
  "tokens", "totalTokens", "inputTokens", "outputTokens", "maxTokens", "max_tokens", "tokenCount", "token_count",
  "input_token", "cacheReadTokens", "prompt_tokens", "completion_tokens", "reasoningTokens", "tokenLimit", "tokensBefore",
  "contextTokens", "token_budget", "tokenUsage",
  // words that merely contain a secret word
  "author", "authors", "authority", "authorId", "passage", "passages", "keyboard", "monkey", "turkey", "bypass",
  "compass", "spin", "secretary", "pinned", "cookbook",
  // keys that are not credentials, and names describing a secret rather than holding it
  "key", "keys", "primaryKey", "cacheKey", "idempotencyKey", "sortKey", "publicKey", "public_key", "keyId",
  "tokenType", "token_type", "tokenExpiresAt", "passwordLength", "password_policy", "secretName", "secret_arn_id",
  "authUrl", "auth_method", "authProvider", "privateKeyPath", "credentialsFile", "apiKeyName", "cookieName",
  // every payload field of the event contract
  "role", "text", "thinking", "model", "provider", "usage", "input", "output", "cacheRead", "cacheWrite", "cost",
  "stopReason", "toolName", "toolCallId", "args", "durationMs", "isError", "childSessionKey", "parentSessionKey",
  "task", "label", "agentId", "runId", "status", "runtimeMs", "from", "to", "reason", "value", "targetId", "kind",
  "data", "summary", "firstKeptEntryId", "tokensBefore", "message", "spawnedBy", "sessionId", "entryId", "timestamp",
];

describe("sensitive field names", () => {
  it(`${SECRET_NAMES.length} secret names are recognised, in any case and with any separator`, () => {
    expect(SECRET_NAMES.length).toBeGreaterThanOrEqual(50);
    const missed = SECRET_NAMES.filter((name) => !isSensitiveKey(name, "some-value-1234"));
    expect(missed).toEqual([]);
  });

  it(`${ORDINARY_NAMES.length} ordinary names are not`, () => {
    const flagged = ORDINARY_NAMES.filter((name) => isSensitiveKey(name, "agent:main:main") || isSensitiveKey(name, 1234));
    expect(flagged).toEqual([]);
  });

  it("names are split into words at case changes, separators and digits", () => {
    expect(nameWords("xApiKey")).toEqual(["x", "api", "key"]);
    expect(nameWords("AWS_SECRET_ACCESS_KEY")).toEqual(["aws", "secret", "access", "key"]);
    expect(nameWords("HTTPAuthHeader")).toEqual(["http", "auth", "header"]);
    expect(nameWords("signing.key-2")).toEqual(["signing", "key"]);
  });

  it("a session key field stays readable when it holds a session key, and is redacted when it holds a credential", () => {
    for (const value of ["agent:main:main", "agent:main:subagent:5f0c2b1e-0000-4000-8000-000000000001", "main", "global", "5f0c2b1e-0000-4000-8000-000000000001"]) {
      expect(looksLikeSessionKey(value), value).toBe(true);
      for (const name of ["sessionKey", "session_key", "childSessionKey", "SESSION_KEY"]) expect(isSensitiveKey(name, value), `${name}=${value}`).toBe(false);
    }
    for (const value of ["Zq8vR2mK7xW4pL9sT3nB6yH1", "8f14e45fceea167a5a36dedd4bea2543", "django-insecure-x8#k2m"]) {
      expect(isSensitiveKey("session_key", value), value).toBe(true);
      expect(isSensitiveKey("sessionKey", value), value).toBe(true);
    }
  });
});
