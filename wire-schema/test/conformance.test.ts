/**
 * The conformance corpus: conformance/valid/*.json must be accepted, conformance/invalid/* must
 * be rejected with the code and path in the sidecar <name>.expect.json. Checked two ways: with
 * this package's validateFrame, and with only the committed schema files (a third party's view).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { breadcrumbOf, eventNames, INBOUND_KINDS, OUTBOUND_KINDS, validateFrame, type Direction, type FrameErrorCode } from "../src/index.js";
import { conformanceDir, schemaDir } from "./paths.js";

interface Expectation {
  code: FrameErrorCode;
  path: string;
  direction: Direction;
  maxBytes?: number;
}

const validDir = join(conformanceDir, "valid");
const invalidDir = join(conformanceDir, "invalid");
const validFiles = readdirSync(validDir).sort();
const invalidFiles = readdirSync(invalidDir)
  .filter((file) => !file.endsWith(".expect.json"))
  .sort();
const read = (dir: string, file: string): string => readFileSync(join(dir, file), "utf8");
/** A case as a message carries it: `.bin` files are raw bytes (e.g. not UTF-8), the others text. */
const input = (file: string): string | Uint8Array => (file.endsWith(".bin") ? new Uint8Array(readFileSync(join(invalidDir, file))) : read(invalidDir, file));
const expectationOf = (file: string): Expectation => JSON.parse(read(invalidDir, file.replace(/\.(json|txt|bin)$/, ".expect.json"))) as Expectation;

/** Validators built from the committed files only, as a third-party implementation would. */
const thirdParty = (() => {
  const ajv = new Ajv2020({ strict: true, strictRequired: false });
  for (const file of readdirSync(schemaDir)) ajv.addSchema(JSON.parse(read(schemaDir, file)) as object);
  const get = (name: string): ValidateFunction => {
    const validate = ajv.getSchema(`https://escapement.dev/schema/wire/v1/${name}.json`);
    if (!validate) throw new Error(`missing schema ${name}`);
    return validate;
  };
  return { outbound: get("frame"), inbound: get("inbound") };
})();

const inboundKinds: ReadonlySet<string> = new Set(INBOUND_KINDS);
const directionOf = (frame: { kind: string }): "inbound" | "outbound" => (inboundKinds.has(frame.kind) ? "inbound" : "outbound");

describe("conformance corpus: valid", () => {
  it.each(validFiles)("%s is accepted by validateFrame in its direction", (file) => {
    const text = read(validDir, file);
    const frame = JSON.parse(text) as { kind: string };
    const result = validateFrame(text, { direction: directionOf(frame), maxBytes: 4 << 20 });
    expect(result.ok ? "ok" : result.error.message).toBe("ok");
  });

  it.each(validFiles)("%s is accepted by the committed union schema", (file) => {
    const frame = JSON.parse(read(validDir, file)) as { kind: string };
    const validate = thirdParty[directionOf(frame)];
    expect(validate(frame), JSON.stringify(validate.errors?.[0])).toBe(true);
  });

  it("carries, in every phase, the breadcrumb the core derives from its config (no root id in either)", () => {
    for (const file of validFiles) {
      const frame = JSON.parse(read(validDir, file)) as {
        kind: string;
        config?: string[];
        breadcrumb?: string[];
        phase?: { config: string[]; breadcrumb: string[] };
      };
      const phase = frame.kind === "phase" ? { config: frame.config!, breadcrumb: frame.breadcrumb! } : frame.kind === "snapshot" ? frame.phase : undefined;
      if (phase) expect(phase.breadcrumb, file).toEqual(breadcrumbOf(phase.config));
    }
  });

  it("has at least one file per frame kind, both directions", () => {
    const kinds = new Set(validFiles.map((file) => (JSON.parse(read(validDir, file)) as { kind: string }).kind));
    for (const kind of [...OUTBOUND_KINDS, ...INBOUND_KINDS]) expect(kinds, kind).toContain(kind);
  });

  it("has an event frame for every well-known event", () => {
    const events = new Set(
      validFiles
        .map((file) => JSON.parse(read(validDir, file)) as { kind: string; row?: { event: string } })
        .filter((frame) => frame.kind === "event")
        .map((frame) => frame.row?.event),
    );
    for (const name of eventNames) expect(events, name).toContain(name);
  });
});

describe("conformance corpus: invalid", () => {
  it.each(invalidFiles)("%s is rejected with the expected code and path", (file) => {
    const expected = expectationOf(file);
    const result = validateFrame(input(file), {
      direction: expected.direction,
      ...(expected.maxBytes === undefined ? {} : { maxBytes: expected.maxBytes }),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect({ code: result.error.code, path: result.error.path }).toEqual({ code: expected.code, path: expected.path });
    expect(result.error.message.startsWith(expected.path === "" ? "(frame): " : `${expected.path}: `)).toBe(true);
  });

  it.each(invalidFiles.filter((file) => ["invalid-frame", "unsupported-version", "unknown-kind"].includes(expectationOf(file).code)))(
    "%s is rejected by the committed union schema too",
    (file) => {
      const expected = expectationOf(file);
      const frame = JSON.parse(read(invalidDir, file)) as unknown;
      const directions = expected.direction === "any" ? (["inbound", "outbound"] as const) : [expected.direction];
      for (const direction of directions) expect(thirdParty[direction](frame), direction).toBe(false);
    },
  );

  it.each(invalidFiles.filter((file) => expectationOf(file).direction === "any"))("%s (direction any) is rejected the same way in both directions", (file) => {
    const expected = expectationOf(file);
    for (const direction of ["inbound", "outbound"] as const) {
      const result = validateFrame(input(file), { direction });
      expect(result.ok ? undefined : { code: result.error.code, path: result.error.path }, direction).toEqual({ code: expected.code, path: expected.path });
    }
  });

  it("pairs every case with an expectation and every expectation with a case", () => {
    const expectations = readdirSync(invalidDir).filter((file) => file.endsWith(".expect.json"));
    expect(expectations.map((file) => file.replace(".expect.json", "")).sort()).toEqual(
      invalidFiles.map((file) => file.replace(/\.(json|txt|bin)$/, "")).sort(),
    );
  });

  it("covers every bad-input class", () => {
    const codes = new Set(invalidFiles.map((file) => expectationOf(file).code));
    for (const code of ["malformed-json", "too-large", "unsupported-version", "invalid-frame", "unknown-kind"]) {
      expect(codes, code).toContain(code);
    }
  });
});

/** Every mutation of every valid frame: one field dropped or given a value of another type. */
const mutations = function* (frame: unknown): Generator<{ label: string; frame: unknown }> {
  const replacements: unknown[] = [undefined, null, "x", -1, 1.5, true, [], {}];
  const walk = function* (node: unknown, path: (string | number)[]): Generator<(string | number)[]> {
    if (typeof node !== "object" || node === null) return;
    for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
      yield [...path, key];
      yield* walk((node as Record<string | number, unknown>)[key], [...path, key]);
    }
  };
  for (const path of walk(frame, [])) {
    for (const replacement of replacements) {
      const copy = structuredClone(frame) as Record<string | number, unknown>;
      let parent = copy;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      if (replacement === undefined && !Array.isArray(parent)) delete parent[last];
      else parent[last] = replacement;
      yield { label: `${path.join("/")}=${JSON.stringify(replacement)}`, frame: copy };
    }
  }
};

describe("validateFrame agrees with the committed schemas", () => {
  it("on every single-field mutation of the valid corpus", () => {
    let compared = 0;
    for (const file of validFiles) {
      const original = JSON.parse(read(validDir, file)) as { kind: string };
      const direction = directionOf(original);
      for (const { label, frame } of mutations(original)) {
        const ours = validateFrame(frame, { direction }).ok;
        const theirs = thirdParty[direction](frame);
        expect(ours, `${file} ${label}`).toBe(theirs);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });
});
