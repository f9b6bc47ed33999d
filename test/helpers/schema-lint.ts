/**
 * The MCP Inspector's tool-schema portability lint (`--strict`; core/json/schemaLint.ts in
 * modelcontextprotocol/inspector, issue #1005), restated for our tests. Its four rules:
 * - boolean-schema (error): a bare `true`/`false` where a schema object is expected (allowed only under
 *   additionalProperties, unevaluatedProperties, additionalItems, unevaluatedItems);
 * - type-union (warning): `type` spelled as an array (`["string","null"]`): use anyOf;
 * - untyped-schema (warning): a schema with no constraining keyword (`{}`, description only), except under `not`;
 * - remote-ref (warning): a `$ref` that does not start with "#".
 * It walks only subschema positions (properties, items, anyOf, ...), never instance data (default, examples).
 */
type Node = Record<string, unknown>;
export type Finding = { rule: string; tool: string; path: string };

const BOOLEAN_OK = new Set(["additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems"]);
const ONE = ["items", "contains", "not", "propertyNames", "if", "then", "else", "additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems", "contentSchema"];
const MANY = ["allOf", "anyOf", "oneOf", "prefixItems"];
const MAPS = ["properties", "patternProperties", "dependentSchemas", "dependencies", "$defs", "definitions"];
const CONSTRAINING = new Set([
  "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
  "pattern", "format", "contentMediaType", "contentEncoding", "contentSchema", "maxItems", "minItems", "uniqueItems", "maxContains",
  "minContains", "maxProperties", "minProperties", "required", "dependentRequired", "allOf", "anyOf", "oneOf", "not", "items",
  "prefixItems", "contains", "additionalItems", "unevaluatedItems", "properties", "patternProperties", "additionalProperties",
  "unevaluatedProperties", "propertyNames", "dependentSchemas", "dependencies", "$ref", "$dynamicRef", "$recursiveRef",
]);

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

function children(node: Node, path: string): [unknown, string, string][] {
  const out: [unknown, string, string][] = [];
  for (const key of MAPS) if (isNode(node[key])) for (const [name, sub] of Object.entries(node[key])) out.push([sub, `${path}.${key}.${name}`, key]);
  for (const key of MANY) if (Array.isArray(node[key])) node[key].forEach((sub, i) => out.push([sub, `${path}.${key}[${i}]`, key]));
  for (const key of ONE) {
    if (!(key in node)) continue;
    const value = node[key];
    if (key === "items" && Array.isArray(value)) value.forEach((sub, i) => out.push([sub, `${path}.items[${i}]`, key]));
    else out.push([value, `${path}.${key}`, key]);
  }
  return out;
}

function walk(node: unknown, path: string, keyword: string | undefined, tool: string, findings: Finding[], depth: number): void {
  if (depth > 64) return;
  if (typeof node === "boolean") {
    if (keyword === undefined || !BOOLEAN_OK.has(keyword)) findings.push({ rule: "boolean-schema", tool, path });
    return;
  }
  if (!isNode(node)) return;
  if (Array.isArray(node.type) && node.type.length > 0) findings.push({ rule: "type-union", tool, path });
  if (typeof node.$ref === "string" && node.$ref !== "" && !node.$ref.startsWith("#")) findings.push({ rule: "remote-ref", tool, path });
  const constrains = Object.keys(node).some((k) => CONSTRAINING.has(k)) || ("if" in node && ("then" in node || "else" in node));
  if (!constrains && keyword !== "not") findings.push({ rule: "untyped-schema", tool, path });
  for (const [child, childPath, childKeyword] of children(node, path)) walk(child, childPath, childKeyword, tool, findings, depth + 1);
}

/** Every finding over a tools/list answer's input and output schemas. */
export function lintTools(tools: readonly { name: string; inputSchema?: unknown; outputSchema?: unknown }[]): Finding[] {
  const findings: Finding[] = [];
  for (const tool of tools) {
    if (tool.inputSchema !== undefined) walk(tool.inputSchema, "inputSchema", undefined, tool.name, findings, 0);
    if (tool.outputSchema !== undefined) walk(tool.outputSchema, "outputSchema", undefined, tool.name, findings, 0);
  }
  return findings;
}
