import * as zlib from "node:zlib";
import { Decompress } from "fzstd";

/**
 * zstd decompression for OpenClaw's compressed transcript rows and archives (STORES.md §1b). Node
 * 22.15+ has `zlib.zstdDecompressSync`; Node 20 has no zstd, so there the pure-JS `fzstd` decoder
 * (decompression only, no native build) reads the same frames. Both stop at `maxBytes` of output, so a
 * small blob that inflates to gigabytes is refused, not held.
 */
export class ZstdLimitError extends Error {}

type NativeZstd = (input: Uint8Array, options: { maxOutputLength: number }) => Buffer;
const native = (zlib as unknown as { zstdDecompressSync?: NativeZstd }).zstdDecompressSync;

/** Which decoder this Node uses (for the README's claim and for tests). */
export const zstdDecoder: "node:zlib" | "fzstd" = native ? "node:zlib" : "fzstd";

/** The decompressed bytes; throws ZstdLimitError past `maxBytes`, another error on data that is not zstd. */
export function zstdDecompress(input: Uint8Array, maxBytes: number): Buffer {
  if (native) {
    try {
      return native(input, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new ZstdLimitError(`inflates past ${maxBytes} bytes`);
      throw error;
    }
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new Decompress((chunk) => {
    size += chunk.length;
    if (size > maxBytes) throw new ZstdLimitError(`inflates past ${maxBytes} bytes`);
    chunks.push(chunk);
  });
  stream.push(input, true);
  return Buffer.concat(chunks, size);
}
