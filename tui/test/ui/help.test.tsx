import { afterEach, describe, expect, test } from "bun:test";
import { BINDINGS, bindingLabel, intentOf, keyLabel, type KeyLike, type KeySpec } from "../../src/ui/key-map.ts";
import { HelpOverlay } from "../../src/ui/help-overlay.tsx";
import { renderNode } from "../support/render.tsx";

type Rendered = Awaited<ReturnType<typeof renderNode>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});

/** The key event a terminal sends for a spec. */
const pressed = (spec: KeySpec): KeyLike => {
  if (spec.ctrl) return { name: spec.key, sequence: String.fromCharCode(spec.key.charCodeAt(0) - 96), ctrl: true, shift: false };
  if (spec.key.length > 1) return { name: spec.key, sequence: "", ctrl: false, shift: spec.shift ?? false };
  const upper = spec.key !== spec.key.toLowerCase();
  return { name: spec.key.toLowerCase(), sequence: spec.key, ctrl: false, shift: upper };
};

describe("key help", () => {
  for (const size of [
    { width: 80, height: 21 },
    { width: 120, height: 37 },
  ]) {
    test(`every binding of the key map is in the overlay at ${size.width} columns`, async () => {
      current = await renderNode(() => <HelpOverlay width={size.width} height={size.height} />, size.width, size.height);
      const lines = current.captureCharFrame().split("\n");
      for (const binding of BINDINGS) {
        const label = bindingLabel(binding);
        const line = lines.find((l) => l.includes(`${label} `) && l.includes(binding.does));
        if (!line) throw new Error(`the overlay lacks "${label}  ${binding.does}" (${binding.context})`);
        for (const entry of binding.keys) expect(line).toContain(keyLabel(entry.spec));
      }
      expect(current.captureCharFrame()).toMatchSnapshot();
    });
  }

  test("every key in the table reaches its own intent (no binding shadows another)", () => {
    for (const binding of BINDINGS) {
      for (const entry of binding.keys) {
        const kind = entry.kinds?.[0];
        expect({ key: keyLabel(entry.spec), intent: intentOf(binding.context, pressed(entry.spec), kind) }).toEqual({
          key: keyLabel(entry.spec),
          intent: entry.intent,
        });
      }
    }
  });

  test("every description fits a column of the 80-column overlay with a gap", () => {
    for (const binding of BINDINGS) expect({ does: binding.does, fits: binding.does.length <= 22 }).toEqual({ does: binding.does, fits: true });
  });

  test("labels name keys the way a user reads them", () => {
    expect(keyLabel({ key: "tab", shift: true })).toBe("Shift-Tab");
    expect(keyLabel({ key: "c", ctrl: true })).toBe("Ctrl-C");
    expect(keyLabel({ key: "pageup" })).toBe("PgUp");
    expect(keyLabel({ key: "G" })).toBe("G");
  });
});
