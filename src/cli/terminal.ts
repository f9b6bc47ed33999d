import pc from "picocolors";

export type Colors = ReturnType<typeof pc.createColors>;

/** The columns output may use: the terminal's width, else COLUMNS, else 100 (piped output). */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.COLUMNS);
  const width = stream.isTTY && stream.columns ? stream.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, width);
}

const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;

/**
 * Colour on a terminal only, never with NO_COLOR (https://no-color.org: any non-empty value);
 * FORCE_COLOR (not "0") turns it on where the terminal cannot be seen (tests, pagers with -R).
 * (picocolors' own check also colours whenever CI is set, which would put escapes in piped output.)
 */
export function colorsFor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Colors {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return pc.createColors(!noColor && (forced || (stream.isTTY === true && env.TERM !== "dumb")));
}
