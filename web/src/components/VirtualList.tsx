import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

type Props<T> = {
  items: readonly T[];
  rowHeight: number;
  label: string;
  render(item: T, index: number): ComponentChildren;
  itemKey(item: T): string;
};

const OVERSCAN = 8;

/**
 * A list that renders only the rows in view (plus a few), so thousands of sessions scroll smoothly.
 * Rows have one fixed height; each keeps its place in the whole list for assistive technology.
 */
export function VirtualList<T>({ items, rowHeight, label, render, itemKey }: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  return (
    <div class="virtual" ref={box} onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
      <ol aria-label={label} style={{ height: `${items.length * rowHeight}px` }}>
        {items.slice(first, last).map((item, offset) => {
          const index = first + offset;
          return (
            <li key={itemKey(item)} aria-setsize={items.length} aria-posinset={index + 1} style={{ top: `${index * rowHeight}px`, height: `${rowHeight}px` }}>
              {render(item, index)}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
