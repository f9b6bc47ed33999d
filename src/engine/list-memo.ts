/**
 * Values derived from a session list, kept for as long as that list lives. A store listing is reused
 * between queries until the store changes, so a walk of thousands of pages over thousands of sessions
 * derives them (the caller's scope, a lookup by key) once, not once per page.
 */
export class ListMemo<T> {
  private readonly byList = new WeakMap<readonly object[], Map<string, T>>();

  get(list: readonly object[], key: string, compute: () => T): T {
    let values = this.byList.get(list);
    if (!values) {
      values = new Map();
      this.byList.set(list, values);
    }
    let value = values.get(key);
    if (value === undefined) {
      value = compute();
      values.set(key, value);
    }
    return value;
  }
}
