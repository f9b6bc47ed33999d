import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { QueryContext } from "../engine/run-query.js";
import { inGenerations, type Generations } from "../engine/select.js";
import { CHECKPOINT_BUCKET, kvSafe, registryKey } from "../sources/jetstream/names.js";
import { parseJson, type Checkpoint, type Watermark } from "../sources/jetstream/records.js";
import { newReadStats } from "../sources/session.js";

/** The stream, its size, and how far this gateway's checkpoints are behind its local stores. */
export async function bridgeStatus(nc: NatsConnection, ctx: Pick<QueryContext, "listSessions">, where: { stream: string; gateway: string; generations: Generations }): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(where.stream).catch(() => undefined);
  if (!info) return `stream ${where.stream}: does not exist yet (publish creates it)`;
  const lines = [
    `stream ${where.stream}: subjects ${(info.config.subjects ?? []).join(", ")}, ${info.state.messages} message(s), ${info.state.bytes} byte(s), sequences ${info.state.first_seq}..${info.state.last_seq}`,
  ];
  const kv = await new Kvm(nc).open(CHECKPOINT_BUCKET).catch(() => undefined);
  const watermark = kv ? parseJson<Watermark>((await kv.get(kvSafe(where.gateway)))?.value) : undefined;
  if (!kv || !watermark) {
    lines.push(`gateway ${where.gateway}: has not published yet`);
    return lines.join("\n");
  }
  let behindSessions = 0;
  let behindEvents = 0;
  const sessions = (await ctx.listSessions()).filter((s) => inGenerations(s, where.generations));
  for (const session of sessions) {
    const after = parseJson<Checkpoint>((await kv.get(registryKey(where.gateway, session.sessionId)))?.value)?.seq ?? 0;
    let unpublished = 0;
    for await (const event of session.events({ stats: newReadStats(), skipBefore: { seq: after } })) if (event.seq > after) unpublished++;
    if (unpublished > 0) behindSessions++;
    behindEvents += unpublished;
  }
  lines.push(
    `gateway ${where.gateway}: checkpointed through stream sequence ${watermark.streamSeq}; ` +
      (behindEvents === 0 ? `all ${sessions.length} transcript(s) published` : `${behindEvents} event(s) in ${behindSessions} of ${sessions.length} transcript(s) not yet published`),
  );
  return lines.join("\n");
}
