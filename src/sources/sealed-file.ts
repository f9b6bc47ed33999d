import { readCacheFile, readFirstLine, replaceCacheFile } from "./cache-file.js";
import { unsealedText, type CacheMac } from "./cache-mac.js";

/**
 * A cache file whose first line is `<mac> <header JSON>`, the MAC sealing the header and every byte
 * after its line: written whole, and read back header first, so a file of another version is passed
 * over without reading the megabytes after its header.
 */

/** Writes such a file; `body` is made twice, to be hashed and then written, rather than held at once. False when it cannot be written. */
export function writeSealedFile(mac: CacheMac, file: string, context: string, header: string, body: () => Iterable<string>): boolean {
  const seal = mac.digestWithRest(context, [header], body());
  return replaceCacheFile(
    file,
    (function* () {
      yield `${seal} ${header}`;
      yield* body();
    })(),
  );
}

/**
 * The header of such a file and the bytes after its header line (from that line's newline on); undefined
 * when `wanted` refuses the header (then only the first line is read), when the file was replaced while it
 * was read, or when the MAC does not verify. Throws as readCacheFile does, or on a header that is not JSON.
 */
export function readSealedFile<Header>(mac: CacheMac, file: string, context: string, wanted: (header: Header) => boolean): { header: Header; body: Buffer } | undefined {
  const headerLine = readFirstLine(file, 4096);
  const headerJson = unsealedText(headerLine);
  const header = JSON.parse(headerJson) as Header;
  if (!wanted(header)) return undefined;
  const bytes = readCacheFile(file);
  const headerBytes = Buffer.from(headerLine, "utf8");
  // (replaced by another process in between: its file is of another version)
  if (!bytes.subarray(0, headerBytes.length).equals(headerBytes)) return undefined;
  const body = bytes.subarray(headerBytes.length);
  const seal = headerLine.slice(0, headerLine.length - headerJson.length - 1);
  return mac.verifyWithRest(seal, context, [headerJson], body) ? { header, body } : undefined;
}
