/** The export formats as their public documentation describes them, for checking what export writes. */
import { z } from "zod";

// https://platform.openai.com/docs/guides/fine-tuning (chat format, function calling with tools)
const OpenAiToolCall = z.object({ id: z.string().min(1), type: z.literal("function"), function: z.object({ name: z.string().min(1), arguments: z.string() }).strict() }).strict();
const OpenAiMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }).strict(),
  z.object({ role: z.literal("user"), content: z.string() }).strict(),
  z
    .object({ role: z.literal("assistant"), content: z.string().nullable().optional(), tool_calls: z.array(OpenAiToolCall).min(1).optional(), weight: z.union([z.literal(0), z.literal(1)]).optional() })
    .strict()
    .refine((m) => typeof m.content === "string" || m.tool_calls !== undefined, "an assistant message has content or tool_calls"),
  z.object({ role: z.literal("tool"), tool_call_id: z.string().min(1), content: z.string() }).strict(),
]);
const JsonSchemaObject = z.object({ type: z.literal("object"), properties: z.record(z.string(), z.unknown()), required: z.array(z.string()).optional() }).passthrough();
export const OpenAiExample = z
  .object({
    messages: z.array(OpenAiMessage).min(2),
    tools: z.array(z.object({ type: z.literal("function"), function: z.object({ name: z.string(), description: z.string().optional(), parameters: JsonSchemaObject }).strict() }).strict()).optional(),
  })
  .strict();

// https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md (sharegpt: human/observation at odd positions, gpt/function_call at even)
export const ShareGptExample = z
  .object({
    conversations: z.array(z.object({ from: z.enum(["human", "gpt", "function_call", "observation"]), value: z.string() }).strict()).min(2),
    system: z.string().optional(),
    tools: z.string().optional(),
  })
  .strict()
  .superRefine((example, ctx) => {
    example.conversations.forEach((entry, i) => {
      const odd = ["human", "observation"];
      if (odd.includes(entry.from) !== (i % 2 === 0)) ctx.addIssue({ code: "custom", message: `${entry.from} at position ${i + 1}` });
    });
    if (example.conversations.at(-1)?.from !== "gpt") ctx.addIssue({ code: "custom", message: "ends in gpt" });
  });

// https://github.com/tatsu-lab/stanford_alpaca#data-release and LLaMA-Factory's alpaca (system, history)
export const AlpacaExample = z
  .object({ instruction: z.string().min(1), input: z.string(), output: z.string().min(1), system: z.string().optional(), history: z.array(z.tuple([z.string(), z.string()])).optional() })
  .strict();
