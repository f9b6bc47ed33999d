import { jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType, type StreamConfig, type StreamInfo } from "@nats-io/jetstream";
import { millis, nanos, type NatsConnection } from "@nats-io/transport-node";

export type Retention = { maxAgeMs?: number; maxBytes?: number; maxMsgs?: number };

/**
 * The stream, created when missing (file storage, `<prefix>.>`, the given retention limits and
 * replicas). An existing stream given other retention limits is updated to them, and `say` tells
 * what changed (JetStream then trims what the new limits leave out).
 */
export async function ensureStream(nc: NatsConnection, name: string, prefix: string, retention: Retention, say: (text: string) => void, replicas = 1): Promise<StreamInfo> {
  const jsm = await jetstreamManager(nc);
  const subject = `${prefix}.>`;
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.status !== 404) throw error;
    return jsm.streams.add({ name, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: replicas, ...limitsOf(retention) });
  }
  const covers = info.config.subjects?.some((s) => s === subject || s === ">" || (s.endsWith(".>") && subject.startsWith(s.slice(0, -1))));
  if (!covers) throw new Error(`stream ${name} exists but does not take ${subject} (its subjects: ${(info.config.subjects ?? []).join(", ")}).`);
  const wanted = limitsOf(retention);
  const changes = (Object.keys(wanted) as Array<keyof typeof wanted>).filter((k) => info.config[k] !== wanted[k]);
  if (changes.length === 0) return info;
  const updated = await jsm.streams.update(name, { ...info.config, ...wanted } as StreamConfig);
  say(`stream ${name} existed: ${changes.map((k) => `${k} ${describe(k, info.config[k])} -> ${describe(k, wanted[k])}`).join(", ")} (JetStream trims what the new limits leave out)`);
  return updated;
}

function limitsOf(retention: Retention): Partial<Pick<StreamConfig, "max_age" | "max_bytes" | "max_msgs">> {
  return {
    ...(retention.maxAgeMs ? { max_age: nanos(retention.maxAgeMs) } : {}),
    ...(retention.maxBytes ? { max_bytes: retention.maxBytes } : {}),
    ...(retention.maxMsgs ? { max_msgs: retention.maxMsgs } : {}),
  };
}

function describe(limit: string, value: number | undefined): string {
  if (value === undefined || value <= 0) return "unlimited";
  return limit === "max_age" ? `${Math.round(millis(value) / 1000)}s` : String(value);
}
