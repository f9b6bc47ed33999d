import type { KV } from "@nats-io/kv";
import { kvSafe, registryKey } from "../sources/jetstream/names.js";
import { parseJson, type RegistryRecord } from "../sources/jetstream/records.js";
import type { SessionInfo } from "../sources/session.js";
import { allUntilDone } from "./retry.js";

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

  /** Several writes in flight: the registry's entries are independent of one another. */
  async write(sessions: readonly SessionInfo[]): Promise<void> {
    // (a session listed twice: the last listing is what ends up written)
    const listed = new Map<string, string>();
    for (const session of sessions) listed.set(registryKey(this.gateway, session.sessionId), JSON.stringify(registryRecord(session, this.gateway, this.stream)));
    const changed = [...listed].filter(([key, value]) => this.written.get(key) !== value);
    await allUntilDone("writing the session registry", changed, async ([key, value]) => {
      await this.kv.put(key, value);
      this.written.set(key, value);
    }, this.say);
    const gone = [...this.written.keys()].filter((key) => !listed.has(key));
    // (stores that list nothing at all are more likely unreadable for a moment than emptied)
    if (gone.length === 0 || sessions.length === 0) return;
    await allUntilDone("removing a session from the registry", gone, async (key) => {
      await this.kv.delete(key);
      this.written.delete(key);
    }, this.say);
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
