/** The NATS connections still open, kept apart from the client so a command that opened none loads no NATS code. */
type Closable = { close(): Promise<void>; closed(): Promise<unknown> };

const open = new Set<Closable>();

export function trackConnection(nc: Closable): void {
  open.add(nc);
  void nc.closed().then(() => open.delete(nc));
}

/** Closes every connection still open (a CLI command is done; the process may exit). */
export async function closeAllNats(): Promise<void> {
  await Promise.all([...open].map((nc) => nc.close().catch(() => undefined)));
}
