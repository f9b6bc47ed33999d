import { PATTERNS } from "../redact.js";
import { IMAGE_OMITTED } from "../shape.js";
import { wordsOf } from "./words.js";

/**
 * Every word that shaping may write into a payload's text: the redaction marker and its kinds (custom
 * patterns are "custom_<n>"), the sensitive-field marker, the image marker, the cut markers.
 */
export const MARKER_WORDS: readonly string[] = [
  ...new Set([
    ...PATTERNS.flatMap((p) => wordsOf(`[REDACTED:${p.kind}]`)),
    ...wordsOf("[REDACTED:sensitive_field] custom …[nested too deep] …[more items] [more fields] …[truncated: more chars]"),
    ...wordsOf(IMAGE_OMITTED),
  ]),
];
