import type { KV } from "@nats-io/kv";
import { kvSafe, registryKey } from "../sources/jetstream/names.js";
import { parseJson, type RegistryRecord } from "../sources/jetstream/records.js";
import type { SessionInfo } from "../sources/session.js";
import { untilDone } from "./retry.js";

/**
 * Keeps the KV registry (one entry per session) in step with the stores; writes only what changed. A
 * session this gateway published that the stores no longer list (deleted, or out of the bridge's scope
 * now) loses its entry, so readers of the stream answer as the stores do; its events stay in the stream
 * until its retention trims them, and its checkpoint stays (were it to come back, nothing goes twice).
 */
export class RegistryWriter {
  private readonly written = new Map<string, string>();

  private constructor(
    private readonly kv: KV,
    private readonly gateway: string,
    private readonly stream: string,
    private readonly say: (text: string) => void,
  ) {}

  /** With the entries this gateway wrote for this stream before (an earlier run's). */
  static async load(kv: KV, gateway: string, stream: string, say: (text: string) => void): Promise<RegistryWriter> {
    const writer = new RegistryWriter(kv, gateway, stream, say);
    for await (const key of await kv.keys(`${kvSafe(gateway)}.>`)) {
      const value = (await kv.get(key))?.value;
      const record = parseJson<RegistryRecord>(value);
      if (record && (record.stream ?? stream) === stream && record.gateway === gateway) writer.written.set(key, new TextDecoder().decode(value));
    }
    return writer;
  }

  async write(sessions: readonly SessionInfo[]): Promise<void> {
    const listed = new Set<string>();
    for (const session of sessions) {
      const key = registryKey(this.gateway, session.sessionId);
      listed.add(key);
      const value = JSON.stringify(registryRecord(session, this.gateway, this.stream));
      if (this.written.get(key) === value) continue;
      await untilDone("writing the session registry", () => this.kv.put(key, value), this.say);
      this.written.set(key, value);
    }
    const gone = [...this.written.keys()].filter((key) => !listed.has(key));
    // (stores that list nothing at all are more likely unreadable for a moment than emptied)
    if (gone.length === 0 || sessions.length === 0) return;
    for (const key of gone) {
      await untilDone("removing a session from the registry", () => this.kv.delete(key), this.say);
      this.written.delete(key);
    }
    this.say(`${gone.length} session(s) no longer in the stores: removed from the registry (their events stay in the stream)`);
  }
}

export function registryRecord(session: SessionInfo, gateway: string, stream: string): RegistryRecord {
  const record: RegistryRecord = { key: session.key, sessionId: session.sessionId, agent: session.agent, gateway, stream, generation: session.generation };
  const optional = {
    spawnedBy: session.parentKey,
    status: session.status,
    label: session.label,
    updatedAt: session.updatedAt,
    startedAt: session.startedAt,
    endedAt: session.endedAt,
    runtimeMs: session.runtimeMs,
    displayName: session.displayName,
    channel: session.channel,
    model: session.model,
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) Object.assign(record, { [name]: value });
  return record;
}
