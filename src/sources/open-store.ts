import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { CacheArea } from "./cache-dir.js";
import { CLAWJS_CONVERSATIONS, ClawJsSource } from "./clawjs/clawjs-source.js";
import { IndexStore } from "./index/index-store.js";
import { parseNatsUrl } from "./jetstream/nats-url.js";
import { OpenClawFileSource } from "./openclaw/file-source.js";
import { OpenClawSqliteSource } from "./openclaw/sqlite-source.js";
import { resolveStateDir } from "./openclaw/state-dir.js";
import type { ListingLook, SessionInfo, SessionListing } from "./session.js";
import { ListingCache } from "./listing-cache.js";
import { statStamp } from "./listing-stamp.js";

/** Everything the --store arguments name, listed together. */
export type Store = {
  description: string;
  /** The directories the --store values resolved to (a fork refuses to write inside any of them). */
  roots?: readonly string[];
  /**
   * `sessionSetStamp`: the stamp the caller has just taken, if any (the listing is then as of it, or
   * later); `look`: how current it must be (default "now").
   */
  list(sessionSetStamp?: string, look?: ListingLook): Promise<SessionListing>;
  /**
   * The sessions whose key, store key or session id is `ref`, and maybe a few more, found without a
   * listing; undefined when only a listing can tell (or a listing is at hand anyway).
   */
  named(ref: string): Promise<SessionInfo[] | undefined>;
  /**
   * A cheap stamp (stats, row counts) of what the set of sessions depends on: equal before and after a
   * query's reads, no session was added meanwhile (new events in a session do not change it).
   */
  sessionSetStamp(): string;
};

type Lister = { list(look?: ListingLook): Promise<SessionListing>; named?(ref: string): Promise<SessionInfo[] | undefined> };

export type StoreOptions = {
  clawjsAgent?: string;
  env?: NodeJS.ProcessEnv;
  /** Where transcript indexes live (default: in memory only). */
  indexes?: IndexStore;
  /** Where copies of session registries live (default: in memory only). */
  registryCopies?: string | CacheArea;
};

const CLAWJS_PREFIX = "clawjs:";

/**
 * Opens the stores the --store values name (without one, OpenClaw's state dir as OpenClaw resolves
 * it). A value is an OpenClaw state dir (its agents use files or SQLite, each agent on its own), a
 * ClawJS workspace (`clawjs:PATH`, or any dir holding .clawjs/conversations), or both at once, or a NATS
 * JetStream stream (`nats://[user:pass@]host:port[/stream]`).
 */
export function openStore(specs: string | readonly string[] | undefined, storeOptions: StoreOptions = {}): Store {
  const options = { ...storeOptions, indexes: storeOptions.indexes ?? new IndexStore(undefined) };
  const list = [specs ?? []].flat().filter((s) => s.trim() !== "");
  const values = list.length > 0 ? list : [resolveStateDir({ env: options.env ?? process.env })];
  const parts = values.map((value) => openOne(value, options));
  // (a live part's listers are asked every time: they keep themselves current, and cheaply)
  const cachedParts = parts.filter((p) => !p.live);
  const listCached = async () => joinListings(await Promise.all(cachedParts.flatMap((p) => p.listers.map((l) => l.list()))));
  const sessionSetStamp = () => parts.map((p) => p.sessionSetStamp()).join("#");
  const cache = new ListingCache(listCached, () => cachedParts.flatMap((p) => p.watchRoots()), sessionSetStamp);
  const named = (ref: string) =>
    cachedParts.length < parts.length
      ? Promise.resolve(undefined)
      : cache.lookup(ref, async () => {
          const found = await Promise.all(parts.flatMap((p) => p.listers.map((l) => l.named?.(ref))));
          return found.some((sessions) => sessions === undefined) ? undefined : found.flatMap((sessions) => sessions ?? []);
        });
  const joined = new JoinedListings();
  const listing = async (stamp?: string, look?: ListingLook) => {
    if (cachedParts.length === parts.length) return cache.get(stamp);
    // the cached parts' listing stands where the first of them is among the --store values
    const firstCached = parts.findIndex((p) => !p.live);
    const listings = await Promise.all(
      parts.flatMap((p, i) => (p.live ? p.listers.map((l) => l.list(look)) : i === firstCached ? [cache.get(stamp)] : [])),
    );
    return joined.of(listings);
  };
  return {
    description: parts.map((p) => p.description).join(" + "),
    roots: parts.flatMap((p) => (p.root === undefined ? [] : [p.root])),
    list: listing,
    named,
    sessionSetStamp,
  };
}

/** One listing of the sessions and warnings of several. */
function joinListings(listings: readonly SessionListing[]): SessionListing {
  return { sessions: listings.flatMap((l) => l.sessions), warnings: listings.flatMap((l) => l.warnings) };
}

/**
 * Listings put together, the same object while each of them is the same (what is derived from a
 * listing is kept for as long as it lives: see ListMemo).
 */
class JoinedListings {
  private last?: { parts: SessionListing[]; listing: SessionListing };

  of(parts: SessionListing[]): SessionListing {
    if (this.last && this.last.parts.length === parts.length && this.last.parts.every((p, i) => p === parts[i])) return this.last.listing;
    const listing = joinListings(parts);
    this.last = { parts, listing };
    return listing;
  }
}

/**
 * One store: `root` is its directory (none for a JetStream store, which is not on this file system);
 * `live`: its listers answer as the store is at the call, so their listings are not kept here.
 */
type Part = { description: string; root?: string; listers: Lister[]; watchRoots(): string[]; sessionSetStamp(): string; live?: boolean };

function openOne(value: string, options: StoreOptions & { indexes: IndexStore }): Part {
  if (/^(nats|tls):\/\//i.test(value)) {
    // the NATS client loads only for a NATS store (it would add ~150 ms to every start)
    const address = parseNatsUrl(value);
    const source = import("./jetstream/jetstream-source.js").then(({ JetStreamSource }) => new JetStreamSource(address));
    const lister: Lister = { list: async (look) => (await source).list(look) };
    // (a stream's sessions come with its messages and its KV registry, which the source watches)
    return { description: `jetstream ${address.display}`, listers: [lister], watchRoots: () => [], sessionSetStamp: () => "", live: true };
  }
  const clawjsOnly = value.startsWith(CLAWJS_PREFIX);
  let root = resolve(clawjsOnly ? value.slice(CLAWJS_PREFIX.length) : value);
  if (clawjsOnly && basename(root) === "conversations" && basename(dirname(root)) === ".clawjs") root = dirname(dirname(root));
  if (!existsSync(root)) throw new Error(`store ${root} does not exist (pass --store DIR: an OpenClaw state dir or clawjs:WORKSPACE).`);
  if (!statSync(root).isDirectory()) throw new Error(`store ${root} is not a directory.`);

  const hasClawJs = existsSync(join(root, CLAWJS_CONVERSATIONS));
  if (clawjsOnly || (hasClawJs && !existsSync(join(root, "agents")))) {
    const clawjs = new ClawJsSource(root, options.clawjsAgent, options.indexes);
    const watchRoots = () => [clawjs.conversationsDir];
    return { description: `clawjs workspace ${root}`, root, listers: [clawjs], watchRoots, sessionSetStamp: () => statStamp(watchRoots()) };
  }
  const sqlite = new OpenClawSqliteSource(root, options.indexes);
  const files = new OpenClawFileSource(root, { skipAgent: (agent) => sqlite.hasDatabase(agent), indexes: options.indexes, registryCopies: options.registryCopies });
  const listers: Lister[] = [files, sqlite];
  const clawjs = hasClawJs ? new ClawJsSource(root, options.clawjsAgent, options.indexes) : undefined;
  if (clawjs) listers.push(clawjs);
  // new agents and their sessions dirs or databases show up as changes here
  const watchRoots = () => [join(root, "agents"), ...agentDirs(root)];
  // (not the agent/ dirs: a database's -journal comes and goes with every write; its rows tell instead.
  // Nor an agent's own dir: what comes or goes in it that matters, a sessions dir or a database, is
  // stamped itself. A stamp is taken twice a page: each stat counts)
  const agentsDir = join(root, "agents");
  let known: { stamp: string; agents: string[]; paths: string[] } | undefined;
  const sessionSetStamp = () => {
    const agentsStamp = statStamp([agentsDir]);
    if (known?.stamp !== agentsStamp) {
      // (the agents are the dir's entries: the same while the dir is unchanged)
      const agents = agentNames(root);
      const paths = agents.flatMap((a) => [join(agentsDir, a, "sessions"), join(agentsDir, a, "sessions", "sessions.json")]);
      known = { stamp: agentsStamp, agents, paths: clawjs ? [...paths, clawjs.conversationsDir] : paths };
    }
    return [agentsStamp, statStamp(known.paths), sqlite.sessionSetStamp(known.agents)].join("#");
  };
  return { description: `openclaw state dir ${root}${hasClawJs ? " (with a clawjs workspace)" : ""}`, root, listers, watchRoots, sessionSetStamp };
}

function agentNames(root: string): string[] {
  try {
    return readdirSync(join(root, "agents"), { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function agentDirs(root: string): string[] {
  return agentNames(root)
    .flatMap((name) => [join(root, "agents", name), join(root, "agents", name, "sessions"), join(root, "agents", name, "agent")])
    .filter((dir) => existsSync(dir));
}
