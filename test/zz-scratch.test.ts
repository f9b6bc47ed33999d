import { it } from "vitest";
import { createRedactor, isSensitiveKey } from "../src/engine/redact.js";
import { leaks } from "./helpers/secret-corpus.js";
it("scratch", () => {
  const r = createRedactor();
  const v: Array<[string, string]> = [
    ["https://api.telegram.org/bot7012345678:AAHx9Vq2LmN4pR8sT1uW6yZ3bC5dE7fG9hJ/getUpdates", "AAHx9Vq2LmN4pR8sT1uW6yZ3bC5dE7fG9hJ"],
    ["TELEGRAM_TOKEN 7012345678:AAHx9Vq2LmN4pR8sT1uW6yZ3bC5dE7fG9h- next", "AAHx9Vq2LmN4pR8sT1uW6yZ3bC5dE7fG9h-"],
    ["token MTA5ODc2NTQzMjEwOTg3NjU0Mw.GxYz12.abcdefghijklmnopqrstuvwxyz0123456_- end", "abcdefghijklmnopqrstuvwxyz0123456_-"],
    ["SLACK_APP_TOKEN=xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef0123456789", "abcdef0123456789abcdef0123456789"],
    ["export DB_PASS=Tr0ub4dor-and-3 && ./run", "Tr0ub4dor-and-3"],
    ["SMTP_PASSWORD: 'Zx9-qq-Lp0-mm'", "Zx9-qq-Lp0-mm"],
    ["mysql -u root --password Q7v-Ab93kLm2 shop", "Q7v-Ab93kLm2"],
    ["docker login -u ci --password-stdin < f; psql --token Kp3xQv7zT9 x", "Kp3xQv7zT9"],
    ["gpg --passphrase Hx8-mQ2-vL5w --batch", "Hx8-mQ2-vL5w"],
    ["Authorization: Token 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"],
    ["STRIPE_WEBHOOK_SECRET=whsec_Ab12Cd34Ef56Gh78Ij90Kl12Mn34", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34"],
    ["whsec_Ab12Cd34Ef56Gh78Ij90Kl12Mn34 in text", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34"],
    ["{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----\\n\"}", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"],
    ["https://ci:glpat-Zx9Qv7Lm2Pk4Rt6Yu8Io@gitlab.example.com/a.git", "Zx9Qv7Lm2Pk4Rt6Yu8Io"],
    ["pass=Qm7-Lp2-Zx9", "Qm7-Lp2-Zx9"],
    ["aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ", "IQoJb3JpZ2luX2VjEJr"],
    ["AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    ["SECRET_KEY_BASE=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"],
    ["Cookie: sessionid=k2j3h4g5f6d7s8a9; csrftoken=Qw3Er5Ty7Ui9", "k2j3h4g5f6d7s8a9"],
    ["Set-Cookie: __Host-session=Zx9Qv7Lm2Pk4Rt6Y; Path=/; Secure", "Zx9Qv7Lm2Pk4Rt6Y"],
  ];
  for (const [text, secret] of v) {
    const out = r(text);
    const l = leaks(out.text, [secret], 8);
    console.log(l.length ? "LEAK" : "ok  ", JSON.stringify(out.text).slice(0, 160));
  }
  for (const k of ["pass", "passphrase", "db_pass", "bypass", "max_tokens", "tokenCount", "set-cookie", "sessionToken"]) console.log(k, isSensitiveKey(k));
});
