import { createParser } from "eventsource-parser";
import type { SessionEvent } from "../../src/contract/event.js";
import { query } from "./api.js";
import { authHeaders } from "./auth.js";

export type StreamHandlers = { onEvent(event: SessionEvent): void; onStatus(status: "open" | "reconnecting" | "failed", detail?: string): void };

const RETRY_MS = 1_000;

/**
 * Follows /api/events/stream with fetch (EventSource cannot send the Authorization header, and the
 * token never goes in a URL). A dropped stream comes back with Last-Event-ID, so nothing is lost or
 * repeated. Returns a function that closes it.
 */
export function followEvents(params: Record<string, string | undefined>, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let lastId: string | undefined;
  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: "text/event-stream", ...authHeaders() };
        if (lastId) headers["last-event-id"] = lastId;
        const response = await fetch(`/api/events/stream${query(params)}`, { headers, signal: controller.signal });
        if (!response.ok || !response.body) {
          const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
          handlers.onStatus("failed", body.error?.message ?? `${response.status}`);
          return; // a 4xx will not get better by asking again
        }
        handlers.onStatus("open");
        const parser = createParser({
          onEvent(message) {
            if (message.event === "notice" || !message.data) return;
            if (message.id) lastId = message.id;
            handlers.onEvent(JSON.parse(message.data) as SessionEvent);
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      handlers.onStatus("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  void run();
  return () => controller.abort();
}
