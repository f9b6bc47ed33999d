import type { Mark } from "./records.js";
import type { StreamEvent } from "./shapes.js";

/** Where a session's events are: its subject filter, the stream sequence to start at, how to tell them. */
export type StreamSpan = { id: string; filter: string; fromSeq: number; marks?: readonly Mark[]; belongs(event: StreamEvent): boolean; numbered: boolean };
