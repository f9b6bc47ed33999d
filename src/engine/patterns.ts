/**
 * Session key patterns: `*` matches any run of characters (":" included), everything else is literal,
 * matching is case-insensitive. Matched with the linear-backtracking wildcard algorithm rather than a
 * regular expression, so a hostile pattern like "*a*a*a*…b" costs at most O(pattern × key).
 */
export function matchesPattern(pattern: string, text: string): boolean {
  if (pattern === "*") return true;
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] === "*") {
      starAt = pi++;
      resumeAt = ti;
    } else if (pi < p.length && p[pi] === t[ti]) {
      pi++;
      ti++;
    } else if (starAt >= 0) {
      pi = starAt + 1;
      ti = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

export function matchesAnyPattern(patterns: readonly string[], text: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, text));
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes("*");
}
