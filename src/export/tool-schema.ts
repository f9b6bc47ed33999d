import type { Conversation } from "./conversation.js";

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean;
};

export type ToolSpec = { name: string; parameters: JsonSchema };

/** The tools a conversation calls, each with a JSON Schema of its arguments inferred from those calls. */
export function toolsOf(conversation: Conversation): ToolSpec[] {
  const byName = new Map<string, JsonSchema | undefined>();
  for (const turn of conversation.turns) {
    for (const m of turn.messages) {
      if (m.role !== "assistant") continue;
      for (const call of m.toolCalls) byName.set(call.name, merge(byName.get(call.name), schemaOf(argsObject(call.args))));
    }
  }
  return [...byName.entries()].map(([name, schema]) => ({ name, parameters: asObjectSchema(schema) }));
}

/** Arguments as an object: a JSON string is parsed; anything else not an object is wrapped as {input}. */
export function argsObject(args: unknown): Record<string, unknown> {
  let value = args;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { input: args };
    }
  }
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { input: value };
}

function asObjectSchema(schema: JsonSchema | undefined): JsonSchema {
  return schema?.type === "object" ? schema : { type: "object", properties: {} };
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value === "object" ? "object" : typeof value;
}

function schemaOf(value: unknown, depth = 0): JsonSchema {
  const type = typeName(value);
  if (depth > 6) return {};
  if (type === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return {
      type,
      properties: Object.fromEntries(entries.map(([k, v]) => [k, schemaOf(v, depth + 1)])),
      required: entries.map(([k]) => k).sort(),
    };
  }
  if (type === "array") {
    const items = (value as unknown[]).reduce<JsonSchema | undefined>((acc, v) => merge(acc, schemaOf(v, depth + 1)), undefined);
    return items ? { type, items } : { type };
  }
  return { type };
}

function types(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : [schema.type].flat();
}

/** The schema both values fit: types united, properties merged, required only where both require. */
function merge(a: JsonSchema | undefined, b: JsonSchema): JsonSchema {
  if (!a) return b;
  let all = [...new Set([...types(a), ...types(b)])];
  if (all.includes("number")) all = all.filter((t) => t !== "integer");
  const out: JsonSchema = all.length === 0 ? {} : { type: all.length === 1 ? all[0] : all.sort() };
  if (a.properties || b.properties) {
    const keys = new Set([...Object.keys(a.properties ?? {}), ...Object.keys(b.properties ?? {})]);
    out.properties = {};
    for (const key of keys) {
      const left = a.properties?.[key];
      const right = b.properties?.[key];
      out.properties[key] = left && right ? merge(left, right) : (left ?? right)!;
    }
    const inBoth = (a.required ?? []).filter((k) => (b.required ?? []).includes(k));
    out.required = a.properties && b.properties ? inBoth : (a.required ?? b.required ?? []);
  }
  if (a.items || b.items) out.items = a.items && b.items ? merge(a.items, b.items) : (a.items ?? b.items);
  return out;
}
