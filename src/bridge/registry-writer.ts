import type { KV } from "@nats-io/kv";
import { registryKey } from "../sources/jetstream/names.js";
import type { RegistryRecord } from "../sources/jetstream/records.js";
import type { SessionInfo } from "../sources/session.js";
import { untilDone } from "./retry.js";

/** Keeps the KV registry (one entry per session) in step with the stores; writes only what changed. */
export class RegistryWriter {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly kv: KV,
    private readonly gateway: string,
    private readonly stream: string,
    private readonly say: (text: string) => void,
  ) {}

  async write(sessions: readonly SessionInfo[]): Promise<void> {
    for (const session of sessions) {
      const key = registryKey(this.gateway, session.sessionId);
      const value = JSON.stringify(registryRecord(session, this.gateway, this.stream));
      if (this.written.get(key) === value) continue;
      await untilDone("writing the session registry", () => this.kv.put(key, value), this.say);
      this.written.set(key, value);
    }
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
