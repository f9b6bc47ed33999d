import { Command, Option } from "commander";
import type { AppOptions } from "../app/context.js";
import { SCOPES } from "../engine/principal.js";
import { VISIBILITIES } from "../contract/event.js";

/** The options every command takes: which store, who is asking, and the operator's config. */
export function withAppOptions(command: Command): Command {
  return command
    .option(
      "--store <dir>",
      "store to read: an OpenClaw state dir, clawjs:WORKSPACE or nats://[user:pass@]host:port[/stream]; repeat for several (default: OPENCLAW_STATE_DIR, ~/.openclaw, ...)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--caller <key>", "the calling session's key (env SESSION_EVENTS_CALLER); none = operator, scope all")
    .addOption(new Option("--scope <scope>", "what the caller may reach (env SESSION_EVENTS_SCOPE; default tree)").choices(SCOPES))
    .addOption(
      new Option("--clearance <level>", "highest visibility the caller sees (env SESSION_EVENTS_CLEARANCE; default internal)").choices(VISIBILITIES),
    )
    .option("--config <file>", "JSON config: confidential rules, extra redaction patterns, limits");
}

export function appOptions(options: Record<string, unknown>): AppOptions {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const stores = Array.isArray(options.store) ? options.store.filter((s): s is string => typeof s === "string") : undefined;
  return {
    store: stores && stores.length > 0 ? stores : undefined,
    caller: text(options.caller),
    scope: text(options.scope),
    clearance: text(options.clearance),
    config: text(options.config),
  };
}
