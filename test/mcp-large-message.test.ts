/**
 * One JSON-RPC message over 10 MB must not stop the stdio server (issue 30, finding 11): it is refused
 * with a JSON-RPC error and the server goes on answering. The built server, a raw stdio client.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { MAIN_JS, PROJECT_ROOT, useSampleStoreCopy } from "./helpers/built-server.js";

const sample = useSampleStoreCopy();
let child: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  child?.kill();
  child = undefined;
});

/** The server as a child process, with its stdout read as JSON-RPC lines. */
function startServer() {
  const server = spawn(process.execPath, [MAIN_JS, "--store", sample.box.store, "--caller", "agent:main:main"], { cwd: PROJECT_ROOT, env: sample.env });
  child = server;
  const received: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffered = "";
  let stderr = "";
  server.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  server.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      received.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
  server.stdin.on("error", () => undefined); // a server that died shows in the answers, not as EPIPE
  const died = exited.then((code) => {
    throw new Error(`the server exited (${code}); stderr: ${stderr}`);
  });
  died.catch(() => undefined);
  const send = (message: unknown) =>
    Promise.race([new Promise<void>((resolve) => (server.stdin.write(`${JSON.stringify(message)}\n`) ? resolve() : server.stdin.once("drain", resolve))), died]);
  /** The first message received that matches, waiting up to 20 s (or until the server exits). */
  const next = async (match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = received.find(match);
      if (found) return found;
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`no answer (exit ${server.exitCode}); stderr: ${stderr}`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, 200))]);
    }
  };
  return { server, send, next, exited, stderr: () => stderr };
}

describe("a JSON-RPC message over the size limit", () => {
  it("gets an error, and the server goes on answering tool calls", async () => {
    const { server, send, next, stderr } = startServer();
    await send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "large-message-test", version: "1" } } });
    expect(await next((m) => m.id === 1)).toHaveProperty("result.serverInfo");
    await send({ jsonrpc: "2.0", method: "notifications/initialized" });

    // 11 MB in one line, written in pieces as a pipe carries it
    await send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "session_state", arguments: { sessionKey: "x".repeat(11 * 1024 * 1024) } } });
    const refused = await next((m) => m.id === null || m.id === 2);
    expect(refused).toMatchObject({ jsonrpc: "2.0", error: { code: -32600, message: expect.stringContaining("was discarded") } });

    await send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "session_state", arguments: { atSeq: 12, lastMessages: 1 } } });
    const answer = await next((m) => m.id === 3);
    expect(answer).toMatchObject({ result: { structuredContent: { session: "agent:main:main", seq: 12 } } });
    expect((answer.result as { isError?: boolean }).isError).not.toBe(true);
    expect(server.exitCode).toBeNull();
    expect(stderr()).toContain("[session-events] stdio: A JSON-RPC message over 10485760 bytes was discarded unread");

    // a message just under the limit is still read (and answered as any bad input is)
    await send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "session_state", arguments: { sessionKey: "y".repeat(9 * 1024 * 1024) } } });
    expect(await next((m) => m.id === 4)).toMatchObject({ result: { isError: true } });
  }, 90_000);

  it("a message split over many writes with the newline alone at the end is one message", async () => {
    const { server, next } = startServer();
    const initialize = `${JSON.stringify({ jsonrpc: "2.0", id: 7, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}`;
    for (let i = 0; i < initialize.length; i += 10) server.stdin.write(initialize.slice(i, i + 10));
    server.stdin.write("\r\n");
    expect(await next((m) => m.id === 7)).toHaveProperty("result.serverInfo");
  }, 60_000);
});
