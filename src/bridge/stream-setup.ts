import { jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType, type StreamInfo } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";

export type Retention = { maxAgeMs?: number; maxBytes?: number; maxMsgs?: number };

/** The stream, created when missing (file storage, `<prefix>.>`, the given retention limits). */
export async function ensureStream(nc: NatsConnection, name: string, prefix: string, retention: Retention): Promise<StreamInfo> {
  const jsm = await jetstreamManager(nc);
  const subject = `${prefix}.>`;
  try {
    const info = await jsm.streams.info(name);
    const covers = info.config.subjects?.some((s) => s === subject || s === ">" || (s.endsWith(".>") && subject.startsWith(s.slice(0, -1))));
    if (!covers) throw new Error(`stream ${name} exists but does not take ${subject} (its subjects: ${(info.config.subjects ?? []).join(", ")}).`);
    return info;
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.status !== 404) throw error;
  }
  return jsm.streams.add({
    name,
    subjects: [subject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    ...(retention.maxAgeMs ? { max_age: nanos(retention.maxAgeMs) } : {}),
    ...(retention.maxBytes ? { max_bytes: retention.maxBytes } : {}),
    ...(retention.maxMsgs ? { max_msgs: retention.maxMsgs } : {}),
  });
}
