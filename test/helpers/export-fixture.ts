/** A small store for the export tests: tool steps (parallel ones too), orphans, a failed turn, a compaction, an image. */
import { assistantLine, compactionLine, header, text, toolCall, toolResultLine, userLine } from "./pi-lines.js";
import { TempStateDir } from "./temp-store.js";

export const T0 = Date.parse("2026-10-01T08:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;
export const IMAGE_DATA = `iVBORw0KGgo${"A".repeat(120)}`;

export function exportFixture(): TempStateDir {
  const store = new TempStateDir("export-fixture-");
  store.registry("main", {
    "agent:main:main": { sessionId: "tools", updatedAt: s(100) },
    "agent:main:plain": { sessionId: "plain", updatedAt: s(100) },
  });
  store.transcript("main", "tools.jsonl", [
    header("tools", T0),
    userLine(s(1), "List the files in src and show me the biggest one."),
    assistantLine(s(2), [text("Looking."), toolCall("c1", "exec", { cmd: "ls -S src", timeoutMs: 5000 })]),
    toolResultLine(s(3), "c1", "exec", "main.ts\nutil.ts"),
    assistantLine(s(4), [toolCall("c2", "read", { path: "src/main.ts" }), toolCall("c3", "read", { path: "src/util.ts", limit: 40 })]),
    toolResultLine(s(5), "c2", "read", "export const main = 1;"),
    toolResultLine(s(6), "c3", "read", "export const util = 2;"),
    toolResultLine(s(7), "ghost", "read", "a result whose call is not in the transcript"),
    assistantLine(s(8), [text("The biggest is main.ts:\n\n```ts\nexport const main = 1;\n```\n\n- main.ts\n- util.ts"), toolCall("c9", "exec", { cmd: "never answered" })]),
    userLine(s(9), "Perfect, thanks! Now run the tests."),
    assistantLine(s(10), [text("")], { stopReason: "error", errorMessage: "overloaded" }),
    userLine(s(11), [{ type: "text", text: "Here is the screenshot of the failure." }, { type: "image", data: IMAGE_DATA, mimeType: "image/png" }]),
    assistantLine(s(12), [text("The screenshot shows a failing assertion in util.test.ts: expected 2, got 3.")]),
    compactionLine(s(13), "summary of the work so far", 50_000),
    userLine(s(14), "What was the fix?"),
    assistantLine(s(15), [text("Change util to return 3 and update the snapshot; both tests pass after that.")]),
  ]);
  store.transcript("main", "plain.jsonl", [
    header("plain", T0),
    userLine(s(20), "What is the capital of France?"),
    assistantLine(s(21), [text("The capital of France is Paris, on the Seine.")]),
  ]);
  return store;
}
