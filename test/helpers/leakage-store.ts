/** The leakage corpus as a store: one session per secret sample, internal and confidential markers, and the policy that makes them so. */
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./pi-lines.js";
import { FIELD_SECRETS, SECRET_CORPUS } from "./secret-corpus.js";
import { TempStateDir } from "./temp-store.js";

const T0 = Date.parse("2026-09-01T08:00:00Z");
export const SECRETS = [...SECRET_CORPUS.map((s) => s.secret), ...Object.values(FIELD_SECRETS)];
export const INTERNAL_MARKS = ["ARGS-MARK-52b", "RESULT-MARK-53c"];
export const CONFIDENTIAL_MARKS = ["VAULT-ARGS-61a", "VAULT-RESULT-62b", "FINANCE-MSG-63c"];
export const IMAGE = `iVBORw0KGgoAAAANSUhEUg${"Q".repeat(200)}`;

/** The store and its config file (tools vault_* and the finance session confidential). */
export function leakageStore(): { store: TempStateDir; config: string } {
  const store = new TempStateDir("export-leak-");
  const registry: Record<string, Record<string, unknown>> = {};
  SECRET_CORPUS.forEach((sample, i) => {
    registry[`agent:main:leak-${i}`] = { sessionId: `leak-${i}`, updatedAt: T0 };
    const args = { cmd: sample.text, nested: { deeper: [{ value: `x ${sample.text}` }] }, ...FIELD_SECRETS };
    store.transcript("main", `leak-${i}.jsonl`, [
      header(`leak-${i}`, T0),
      userLine(T0 + 1000 + i, [{ type: "text", text: `please use ${sample.text} for deploy ${i}` }, { type: "image", data: IMAGE, mimeType: "image/png" }]),
      assistantLine(T0 + 2000 + i, [{ type: "thinking", thinking: `thinking about ${sample.text}` }, text(`running it with ${sample.text}`), toolCall("c1", "exec", args)]),
      toolResultLine(T0 + 3000 + i, "c1", "exec", `output: ${sample.text}`),
      assistantLine(T0 + 4000 + i, [text(`Done with deploy ${i}: the key ${sample.text} works.\n\n- step one\n- step two`)]),
    ]);
  });
  registry["agent:main:markers"] = { sessionId: "markers", updatedAt: T0 };
  store.transcript("main", "markers.jsonl", [
    header("markers", T0),
    userLine(T0 + 1000, "Read the two files, please."),
    assistantLine(T0 + 2000, [text("Reading."), toolCall("m1", "read", { path: INTERNAL_MARKS[0] }), toolCall("v1", "vault_read", { path: CONFIDENTIAL_MARKS[0] })]),
    toolResultLine(T0 + 3000, "m1", "read", INTERNAL_MARKS[1]!),
    toolResultLine(T0 + 4000, "v1", "vault_read", CONFIDENTIAL_MARKS[1]!),
    assistantLine(T0 + 5000, [text("Both files are read and their contents look as expected.")]),
  ]);
  registry["agent:main:finance"] = { sessionId: "finance", updatedAt: T0 };
  store.transcript("main", "finance.jsonl", [
    header("finance", T0),
    userLine(T0 + 1000, `What is ${CONFIDENTIAL_MARKS[2]}?`),
    assistantLine(T0 + 2000, [text("It is the quarterly ledger figure for the finance team.")]),
  ]);
  store.registry("main", registry);
  const config = store.file("policy.json", JSON.stringify({ confidential: [{ tool: "vault_*" }, { session: "agent:main:finance" }] }));
  return { store, config };
}
