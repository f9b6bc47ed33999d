/**
 * Every string an answer carries passes the redactor, not only payloads: group keys (model, tool), a
 * state's model and its messages' entry ids come from the transcript as they are, so a model id like
 * `https://deploy:<password>@host/...` must not show below confidential clearance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Visibility } from "../src/contract/event.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, modelChangeLine, text, toolCall, toolResultLine, userLine, chainParents } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-09-02T08:00:00Z");
const MODEL_PASSWORD = "mdlPw7731xQ";
const ENTRY_PASSWORD = "entPw5520zK";
const TOOL_PASSWORD = "toolPw9184vR";
const MODEL = `https://deploy:${MODEL_PASSWORD}@models.example.com/v1/big-model`;
const TOOL = `https://svc:${TOOL_PASSWORD}@api.example.com/tool`;
const PASSWORDS = [MODEL_PASSWORD, ENTRY_PASSWORD, TOOL_PASSWORD];

let store: TempStateDir;
beforeAll(() => {
  store = new TempStateDir("answer-redaction-");
  store.registry("main", { "agent:main:main": { sessionId: "s1", updatedAt: T0 + 10_000 } });
  // (one branch: each line's parent is the line before it)
  store.transcript("main", "s1.jsonl", chainParents([
    header("s1", T0),
    modelChangeLine(T0 + 500, "custom", MODEL),
    { ...userLine(T0 + 1000, "hello"), id: `https://bob:${ENTRY_PASSWORD}@notes.example.com/entry` },
    assistantLine(T0 + 2000, [text("calling"), toolCall("c1", TOOL, { q: 1 })], { provider: "custom", model: MODEL }),
    toolResultLine(T0 + 3000, "c1", TOOL, "done"),
    assistantLine(T0 + 4000, [text("all done")], { provider: "custom", model: MODEL }),
  ]));
});
afterAll(() => store.remove());

async function everything(clearance: Visibility): Promise<string> {
  const ctx = contextFor(store.root, { clearance });
  const answers = [
    await querySessionsEvents(ctx, { groupBy: ["model"] }),
    await querySessionsEvents(ctx, { groupBy: ["tool", "type"] }),
    await querySessionEvents(ctx, { sessionKey: "agent:main:main", groupBy: ["model", "tool"] }),
    await querySessionState(ctx, { sessionKey: "agent:main:main" }),
    await querySessionState(ctx, { sessionKey: "agent:main:main", atSeq: 2 }),
  ];
  return JSON.stringify(answers);
}

describe("every string of an answer is redacted", () => {
  for (const clearance of ["public", "internal"] as const) {
    it(`at ${clearance}: group keys, the state's model and entry ids show no password`, async () => {
      const seen = await everything(clearance);
      for (const password of PASSWORDS) expect(seen, password).not.toContain(password);
      expect(seen).toContain("models.example.com/v1/big-model"); // the rest of the model id stays readable
      expect(seen).toContain("[REDACTED:url_password]");
    });
  }

  it("at confidential every one shows (the checks above can fail)", async () => {
    const seen = await everything("confidential");
    for (const password of PASSWORDS) expect(seen, password).toContain(password);
  });

  it("the state's model and its messages' entry ids are the redacted ones", async () => {
    const state = await querySessionState(contextFor(store.root, { clearance: "public" }), { sessionKey: "agent:main:main" });
    expect(state.model?.model).toBe("https://deploy:[REDACTED:url_password]@models.example.com/v1/big-model");
    expect(state.lastMessages.map((m) => m.entryId)).toContain("https://bob:[REDACTED:url_password]@notes.example.com/entry");
  });
});
