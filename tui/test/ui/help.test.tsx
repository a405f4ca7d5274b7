import { afterEach, describe, expect, test } from "bun:test";
import { BINDINGS, bindingLabel, intentOf, keyLabel, type KeyLike, type KeySpec } from "../../src/ui/key-map.ts";
import { HelpOverlay, helpTitle, type HelpControls } from "../../src/ui/help-overlay.tsx";
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
    { width: 60, height: 12 },
    { width: 80, height: 21 },
    { width: 120, height: 37 },
  ]) {
    test(`every binding of the key map is in the overlay at ${size.width}x${size.height}, scrolled through`, async () => {
      let controls: HelpControls | undefined;
      current = await renderNode(() => <HelpOverlay width={size.width} height={size.height} controls={(c) => (controls = c)} />, size.width, size.height);
      const first = current.captureCharFrame();
      expect(first).toMatchSnapshot();
      // Page down to the end, collecting the rows inside the border.
      const seen: string[] = [];
      for (let page = 0; page < 10; page++) {
        seen.push(
          ...current
            .captureCharFrame()
            .split("\n")
            .slice(1, size.height - 1),
        );
        controls?.page(1);
        await current.renderOnce();
      }
      const text = seen.join("\n").replace(/[║\s]+/g, " ");
      for (const binding of BINDINGS) {
        const label = bindingLabel(binding);
        if (!text.includes(`${label} ${binding.does}`)) throw new Error(`the overlay lacks "${label}  ${binding.does}" (${binding.context})`);
      }
      controls?.edge("first");
      await current.renderOnce();
      expect(current.captureCharFrame()).toBe(first);
    });
  }

  test("the title says which rows show when not all fit, and not when all do", () => {
    expect(helpTitle(0, 19, 25)).toBe("KEYS 1-19 of 25 (↑↓ scroll · ? Esc q close)");
    expect(helpTitle(0, 30, 25)).toBe("KEYS (? Esc q close)");
  });

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

  test("labels name keys the way a user reads them", () => {
    expect(keyLabel({ key: "tab", shift: true })).toBe("Shift-Tab");
    expect(keyLabel({ key: "c", ctrl: true })).toBe("Ctrl-C");
    expect(keyLabel({ key: "pageup" })).toBe("PgUp");
    expect(keyLabel({ key: "G" })).toBe("G");
  });
});
