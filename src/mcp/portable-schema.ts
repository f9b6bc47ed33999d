import { z } from "zod";

type JsonSchema = Record<string, unknown>;

/** JSON Schema keywords whose value is one subschema, a list of them, or a name -> subschema map. */
const ONE = ["items", "additionalProperties", "not", "propertyNames", "contains"];
const LIST = ["anyOf", "oneOf", "allOf", "prefixItems"];
const MAP = ["properties", "patternProperties", "$defs", "definitions"];

const isObject = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null && !Array.isArray(value);
const isEmpty = (value: unknown) => isObject(value) && Object.keys(value).length === 0;

/**
 * Rewrites one generated node so that every MCP client reads it the same way (the MCP Inspector's
 * `--strict` portability rules) and it carries nothing a client or model does not need:
 * - `type: ["string", "null"]` (zod's compact form for nullable) becomes `anyOf` with one type per branch;
 * - an "anything" value (`{}`, from z.unknown()) under additionalProperties becomes `true`, the same schema
 *   spelled the way every client accepts; a free-form object is `{type: "object", additionalProperties: true}`;
 * - zod's safe-integer bounds (±2^53-1) and `propertyNames: {type: "string"}` on records go: they hold
 *   for every JSON value anyway;
 * - `$schema` goes (nothing here reads differently in draft-07 and 2020-12, the MCP default);
 * - output schemas keep types and names only: no descriptions or enums (the tool's description says what the
 *   fields mean and which values they take), no `additionalProperties: false` (a client holding an older listing still accepts a newer
 *   field), and `required` at the top level only (which fields every answer has).
 */
function tidy(node: JsonSchema, isInput: boolean, depth = 0): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema") continue;
    if (!isInput && (key === "description" || key === "enum" || (key === "additionalProperties" && value === false) || (key === "required" && depth > 0))) continue;
    if ((key === "minimum" || key === "maximum") && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    if (key === "propertyNames" && isObject(value) && value.type === "string" && Object.keys(value).length === 1) continue;
    if (key === "additionalProperties" && isEmpty(value)) out[key] = true;
    else if (ONE.includes(key) && isObject(value)) out[key] = tidy(value, isInput, depth + 1);
    else if (LIST.includes(key) && Array.isArray(value)) out[key] = value.map((v) => (isObject(v) ? tidy(v, isInput, depth + 1) : v));
    else if (MAP.includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, isObject(v) ? tidy(v, isInput, depth + 1) : v]));
    } else out[key] = value;
  }
  if (Array.isArray(out.type)) {
    const { type, ...rest } = out;
    return { ...rest, anyOf: (type as string[]).map((t) => ({ type: t })) };
  }
  return out;
}

/**
 * The JSON Schema a tool advertises for one of its zod schemas: input schemas as the schema accepts them
 * (a z.preprocess shows what it normalizes to), output schemas as the tool returns them.
 */
export function portableJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const generated = z.toJSONSchema(schema, { target: "draft-7", io, unrepresentable: "any" }) as JsonSchema;
  return tidy(generated, io === "input");
}
