import type { z } from "zod";
import { HttpError } from "./errors.js";

type Kind = "list" | "number" | "boolean" | "number-or-text" | "one-or-list" | "text";

type Def = { type: string; innerType?: z.ZodType; options?: z.ZodType[] };
const defOf = (schema: z.ZodType) => (schema as unknown as { def: Def }).def;

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let def = defOf(current); ["optional", "default", "nullable"].includes(def.type) && def.innerType; def = defOf(current)) {
    current = def.innerType;
  }
  return current;
}

/** How a query parameter's text becomes the argument the schema expects, read from the schema itself. */
function kindOf(schema: z.ZodType): Kind {
  const def = defOf(unwrap(schema));
  if (def.type === "array") return "list";
  if (def.type === "number") return "number";
  if (def.type === "boolean") return "boolean";
  if (def.type === "union") {
    const types = (def.options ?? []).map((o) => defOf(unwrap(o)).type);
    if (types.includes("array")) return "one-or-list";
    if (types.includes("number")) return "number-or-text";
  }
  return "text";
}

const NUMBER = /^-?\d+(\.\d+)?$/;

function convert(kind: Kind, values: string[]): unknown {
  const split = () => values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  const single = values.length === 1 ? values[0]! : undefined;
  switch (kind) {
    case "list":
      return split();
    case "one-or-list": {
      const items = split();
      return items.length === 1 ? items[0] : items;
    }
    case "number":
      return single !== undefined && NUMBER.test(single) ? Number(single) : single ?? values;
    case "number-or-text":
      return single !== undefined && /^\d+$/.test(single) ? Number(single) : single ?? values;
    case "boolean":
      return single === "true" ? true : single === "false" ? false : single ?? values;
    case "text":
      return single ?? values;
  }
}

/**
 * A URL's query as the arguments of a tool: each parameter converted as the schema's field wants it
 * (lists repeated or comma-joined, numbers and booleans from text), then checked by that very schema,
 * so an unknown parameter or a bad value is a 400 with the schema's own words.
 */
export function parseQuery<S extends z.ZodObject>(
  schema: S,
  search: URLSearchParams,
  fixed: Record<string, unknown> = {},
  aliases: Record<string, string> = {},
): z.infer<S> {
  const shape = schema.shape as Record<string, z.ZodType>;
  const raw: Record<string, unknown> = {};
  for (const name of new Set(search.keys())) {
    const field = aliases[name] ?? name;
    if (field in fixed || field in raw) throw new HttpError(400, "bad_request", `${name} is given twice (in the path, or as itself and its alias).`);
    raw[field] = shape[field] ? convert(kindOf(shape[field]), search.getAll(name)) : search.get(name);
  }
  const parsed = schema.safeParse({ ...raw, ...fixed });
  if (parsed.success) return parsed.data;
  const accepted = Object.keys(shape).filter((k) => !(k in fixed));
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
  throw new HttpError(400, "bad_request", `${problems}. Accepted query parameters: ${accepted.join(", ")}.`);
}
