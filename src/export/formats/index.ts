import type { Conversation } from "../conversation.js";
import { alpacaRecord } from "./alpaca.js";
import { openaiRecord } from "./openai.js";
import { sharegptRecord } from "./sharegpt.js";

export const EXPORT_FORMATS = ["openai", "sharegpt", "alpaca"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * How each format is written: openai as JSON Lines (what the fine-tuning API takes); sharegpt and
 * alpaca as one JSON array (what LLaMA-Factory's dataset_info and the Alpaca tools expect), streamed.
 */
export const FORMATS: Record<ExportFormat, { layout: "jsonl" | "array"; record(c: Conversation, system: string | undefined): Record<string, unknown> }> = {
  openai: { layout: "jsonl", record: openaiRecord },
  sharegpt: { layout: "array", record: sharegptRecord },
  alpaca: { layout: "array", record: alpacaRecord },
};
