import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UngenerableSchemaError, zodArbitrary } from "../../src/sim/index.js";

/** Every value the arbitrary of `schema` draws passes `schema` (200 draws). */
const allValid = (schema: z.ZodType): void => {
  fc.assert(
    fc.property(zodArbitrary(schema), (value) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new Error(`${JSON.stringify(value)}: ${parsed.error.message}`);
    }),
    { numRuns: 200, seed: 7 },
  );
};

describe("zodArbitrary", () => {
  const schemas: [string, z.ZodType][] = [
    ["bounded strings", z.object({ greeting: z.string().min(1), code: z.string().length(4), short: z.string().max(3) })],
    ["string formats", z.object({ email: z.email(), id: z.uuid(), url: z.url(), at: z.iso.datetime(), day: z.iso.date() })],
    ["prefixed, suffixed, cased", z.object({ tag: z.string().startsWith("#").endsWith("!").max(10), low: z.string().toLowerCase().lowercase() })],
    ["a regex", z.string().regex(/^[a-z]{2}-\d{3}$/)],
    ["integers with bounds", z.object({ poets: z.number().int().min(2).max(8), score: z.int().gt(0).lte(10), step: z.number().multipleOf(5).max(50) })],
    ["floats", z.object({ ratio: z.number().gt(0).lt(1), any: z.number() })],
    ["enums, literals, booleans, null", z.object({ mood: z.enum(["calm", "wild"]), kind: z.literal(["a", "b"]), ok: z.boolean(), none: z.null() })],
    [
      "arrays and tuples",
      z.object({ lines: z.array(z.string().min(1)).length(3), pair: z.tuple([z.string(), z.number().int()]), some: z.array(z.boolean()).min(1).max(2) }),
    ],
    ["optional, nullable, default", z.object({ note: z.string().optional(), maybe: z.number().nullable(), size: z.number().int().min(1).max(3).default(2) })],
    [
      "nested objects in arrays",
      z.object({ scores: z.array(z.object({ poet: z.number().int(), score: z.number().int().min(1).max(10), note: z.string().optional() })).min(1) }),
    ],
    ["unions and records", z.object({ value: z.union([z.string(), z.number().int()]), counts: z.record(z.string(), z.number().int()) })],
    [
      "discriminated unions",
      z.discriminatedUnion("kind", [z.object({ kind: z.literal("a"), a: z.string() }), z.object({ kind: z.literal("b"), b: z.boolean() })]),
    ],
  ];

  it.each(schemas)("draws only values the schema accepts: %s", (_name, schema) => allValid(schema));

  it("refuses a refinement, naming its path", () => {
    const schema = z.object({ scores: z.array(z.object({ note: z.string().refine((text) => text.length > 2) })) });
    const error = (() => {
      try {
        zodArbitrary(schema);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UngenerableSchemaError);
    expect((error as UngenerableSchemaError).message).toBe("scores.*.note: a refinement (.refine, .superRefine or .check) cannot be generated");
  });

  it("refuses a transform and a refinement of the whole payload", () => {
    expect(() => zodArbitrary(z.object({ n: z.string().transform((text) => text.length) }))).toThrow(/^n: a transform/);
    expect(() => zodArbitrary(z.object({ a: z.string() }).refine((value) => value.a !== ""))).toThrow(/^\(payload\): a refinement/);
  });

  it("uses an arbitrary given by path instead of the schema's, for a part that cannot be generated too", () => {
    const schema = z.object({ word: z.string().refine((text) => text.startsWith("w")), n: z.number().int().min(0).max(3) });
    const arbitrary = zodArbitrary(schema, { word: fc.constantFrom("west", "wind") });
    for (const value of fc.sample(arbitrary, { numRuns: 50, seed: 3 })) expect(schema.safeParse(value).success).toBe(true);
  });
});
