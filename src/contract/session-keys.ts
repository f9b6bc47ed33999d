/** The agent a bare legacy key belongs to when nothing says otherwise. */
export const DEFAULT_AGENT = "main";

/** "agent:<agentId>:<rest>" for a key as a store holds it; legacy bare keys ("main") get their agent's prefix. */
export function canonicalKey(agent: string, storeKey: string): string {
  return /^agent:/i.test(storeKey) ? storeKey : `agent:${agent}:${storeKey}`;
}

/** The agent id of a canonical key, or undefined for a key of another form. */
export function agentOfKey(key: string): string | undefined {
  const match = /^agent:([^:]+):/i.exec(key);
  return match ? match[1] : undefined;
}
