import type { EventType } from "../../../src/contract/event.js";
import { EVENT_TYPES } from "../event-types.js";

/** A checkbox per event type; none checked means every type. */
export function TypeFilter({ selected, onChange }: { selected: readonly EventType[]; onChange(types: EventType[]): void }) {
  const toggle = (type: EventType, on: boolean) => onChange(on ? [...selected, type] : selected.filter((t) => t !== type));
  return (
    <fieldset class="type-filter">
      <legend>Event types (none checked: all)</legend>
      {EVENT_TYPES.map((type) => (
        <label key={type}>
          <input type="checkbox" name="type" value={type} checked={selected.includes(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
          {type}
        </label>
      ))}
    </fieldset>
  );
}
