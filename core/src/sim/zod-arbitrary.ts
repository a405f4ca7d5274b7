/**
 * fast-check arbitraries from zod 4 schemas: the payloads a simulated model sends and the answers a
 * simulated human gives. Written here because the maintained mapping, zod-fast-check, supports
 * zod 3 and fast-check 3 only (its peer ranges), and a chart's schemas are zod 4; the mapping reads
 * zod 4's public `_zod.def` and covers what event schemas use. What it cannot generate faithfully
 * (refinements, transforms, custom types) is refused with the schema path, never guessed.
 */
import fc, { type Arbitrary } from "fast-check";
import type { z } from "zod";

/** A schema path: object keys, `*` for an array's items, an index for a tuple's, `|n` for a union member. */
export type SchemaPath = readonly string[];

export const formatSchemaPath = (path: SchemaPath): string => (path.length === 0 ? "(payload)" : path.join("."));

/** A schema (or a part of one) that cannot be generated, with where and why. */
export class UngenerableSchemaError extends Error {
  override readonly name = "UngenerableSchemaError";
  constructor(
    readonly path: SchemaPath,
    readonly reason: string,
  ) {
    super(`${formatSchemaPath(path)}: ${reason}`);
  }
}

/** Arbitraries given by hand, by schema path (`formatSchemaPath` without the "(payload)": `""` is the root). */
export type PathArbitraries = Readonly<Record<string, Arbitrary<unknown>>>;

interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  format?: string;
  [key: string]: unknown;
}

interface CheckDef {
  check: string;
  [key: string]: unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def): CheckDef[] => (def.checks ?? []).map((check) => check._zod.def);

/** Strings the simulator writes: printable, short, so transcripts stay readable. */
const TEXT_MAX = 24;
const ITEMS_MAX = 4;

/**
 * The arbitrary of `schema`'s input. `given` replaces the arbitrary at a path (checked first, so a
 * hand-made one also stands in for a part that cannot be generated). Throws `UngenerableSchemaError`.
 */
export function zodArbitrary(schema: z.ZodType, given: PathArbitraries = {}, path: SchemaPath = []): Arbitrary<unknown> {
  const own = given[path.join(".")];
  if (own) return own;
  const def = defOf(schema);
  const inner = (child: z.ZodType, segment: string): Arbitrary<unknown> => zodArbitrary(child, given, [...path, segment]);
  // Wrappers (optional, nullable, default) share their inner schema's path.
  const wrapped = (): Arbitrary<unknown> => zodArbitrary(def.innerType as z.ZodType, given, path);
  const refused = (reason: string): never => {
    throw new UngenerableSchemaError(path, reason);
  };
  if (checksOf(def).some((check) => check.check === "custom")) refused("a refinement (.refine, .superRefine or .check) cannot be generated");
  switch (def.type) {
    case "string":
      return stringArbitrary(def, refused);
    case "number":
      return numberArbitrary(def);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "undefined":
    case "void":
      return fc.constant(undefined);
    case "any":
    case "unknown":
      return fc.jsonValue({ maxDepth: 1 });
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "enum":
      return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
    case "optional":
      return fc.option(wrapped(), { nil: undefined });
    case "nullable":
      return fc.option(wrapped(), { nil: null });
    case "nonoptional":
      return wrapped().filter((value) => value !== undefined);
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
      return wrapped();
    case "array": {
      const { minLength, maxLength } = lengthBounds(checksOf(def));
      return fc.array(inner(def.element as z.ZodType, "*"), { minLength, maxLength: maxLength ?? Math.max(minLength, ITEMS_MAX) });
    }
    case "tuple":
      return fc.tuple(...(def.items as z.ZodType[]).map((item, index) => inner(item, String(index))));
    case "object":
      return objectArbitrary(def, inner);
    case "record":
      return fc.dictionary(stringArbitrary(defOf(def.keyType as z.ZodType), refused) as Arbitrary<string>, inner(def.valueType as z.ZodType, "*"), {
        maxKeys: ITEMS_MAX,
      });
    case "union":
      return fc.oneof(...(def.options as z.ZodType[]).map((option, index) => inner(option, `|${index}`)));
    case "intersection":
      return refused("an intersection cannot be generated");
    case "pipe": {
      const out = defOf(def.out as z.ZodType);
      if (out.type === "transform") return refused("a transform (.transform) cannot be generated: what it accepts is not in its schema");
      return refused("a pipe (.pipe, z.preprocess) cannot be generated");
    }
    case "transform":
      return refused("a transform (.transform) cannot be generated: what it accepts is not in its schema");
    case "lazy":
      return refused("a recursive (z.lazy) schema cannot be generated");
    default:
      return refused(`a ${def.type} schema cannot be generated`);
  }
}

function lengthBounds(checks: CheckDef[]): { minLength: number; maxLength: number | undefined } {
  let minLength = 0;
  let maxLength: number | undefined;
  for (const check of checks) {
    if (check.check === "min_length") minLength = Math.max(minLength, check.minimum as number);
    if (check.check === "max_length") maxLength = Math.min(maxLength ?? Infinity, check.maximum as number);
    if (check.check === "length_equals") minLength = maxLength = check.length as number;
  }
  return { minLength, maxLength };
}

const word = (minLength: number): Arbitrary<string> => fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"), minLength, maxLength: 8 });

const formats: Record<string, () => Arbitrary<string>> = {
  // Plain addresses: zod's email pattern is stricter than RFC 5322 (fast-check's emailAddress is RFC-wide).
  email: () => fc.tuple(word(1), word(1), fc.constantFrom("com", "org", "net", "io")).map(([user, host, tld]) => `${user}@${host}.${tld}`),
  uuid: () => fc.uuid({ version: 4 }),
  guid: () => fc.uuid({ version: 4 }),
  url: () => fc.webUrl(),
  ipv4: () => fc.ipV4(),
  ipv6: () => fc.ipV6(),
  datetime: () => fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms).toISOString()),
  date: () => fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms).toISOString().slice(0, 10)),
  time: () => fc.integer({ min: 0, max: 86_399 }).map((s) => new Date(s * 1000).toISOString().slice(11, 19)),
};

function stringArbitrary(def: Def, refused: (reason: string) => never): Arbitrary<unknown> {
  const checks = checksOf(def);
  const { minLength, maxLength } = lengthBounds(checks);
  if (def.format && def.format !== "regex") {
    const format = formats[def.format];
    if (!format) return refused(`a string of format "${def.format}" cannot be generated`);
    return format();
  }
  let prefix = "";
  let suffix = "";
  let pattern: RegExp | undefined;
  let caseOf: ((text: string) => string) | undefined;
  for (const check of checks) {
    if (check.check !== "string_format") continue;
    if (check.format === "starts_with") prefix = check.prefix as string;
    else if (check.format === "ends_with") suffix = check.suffix as string;
    else if (check.format === "includes") prefix += check.includes as string;
    else if (check.format === "regex") pattern = check.pattern as RegExp;
    else if (check.format === "lowercase") caseOf = (text) => text.toLowerCase();
    else if (check.format === "uppercase") caseOf = (text) => text.toUpperCase();
    else return refused(`a string of format "${String(check.format)}" cannot be generated`);
  }
  if (pattern) {
    if (prefix || suffix || caseOf || minLength > 0 || maxLength !== undefined) {
      return refused("a string with a regex and other constraints cannot be generated");
    }
    return fc.stringMatching(pattern);
  }
  const fixed = prefix.length + suffix.length;
  const middleMin = Math.max(0, minLength - fixed);
  const middleMax = Math.max(middleMin, (maxLength ?? Math.max(minLength, TEXT_MAX)) - fixed);
  if (maxLength !== undefined && fixed > maxLength) return refused(`a string of at most ${maxLength} characters cannot hold "${prefix}" and "${suffix}"`);
  // Letters, digits and spaces: what a model writes, and nothing a case mapping could lengthen.
  const middle = fc.string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "),
    minLength: middleMin,
    maxLength: middleMax,
  });
  return middle.map((text) => {
    const whole = `${prefix}${text}${suffix}`;
    return caseOf ? caseOf(whole) : whole;
  });
}

const intFormats: Record<string, [number, number]> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

function numberArbitrary(def: Def): Arbitrary<unknown> {
  const checks = checksOf(def);
  const format = (checks.find((check) => check.check === "number_format")?.format as string | undefined) ?? def.format;
  let min = -Infinity;
  let max = Infinity;
  let minExcluded = false;
  let maxExcluded = false;
  let multipleOf: number | undefined;
  for (const check of checks) {
    if (check.check === "greater_than" && (check.value as number) >= min) {
      min = check.value as number;
      minExcluded = !check.inclusive;
    }
    if (check.check === "less_than" && (check.value as number) <= max) {
      max = check.value as number;
      maxExcluded = !check.inclusive;
    }
    if (check.check === "multiple_of") multipleOf = check.value as number;
  }
  const intRange = format ? intFormats[format] : undefined;
  if (intRange || (multipleOf !== undefined && Number.isInteger(multipleOf))) {
    const step = multipleOf ?? 1;
    const [lowest, highest] = intRange ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    // Small magnitudes unless the schema asks otherwise: counts and scores, not 2^53.
    const low = Math.ceil((Number.isFinite(min) ? (minExcluded ? min + 1e-9 : min) : Math.max(lowest, -1000)) / step);
    const high = Math.floor((Number.isFinite(max) ? (maxExcluded ? max - 1e-9 : max) : Math.min(highest, 1000)) / step);
    return fc.integer({ min: low, max: Math.max(low, high) }).map((n) => n * step);
  }
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    min: Number.isFinite(min) ? min : -1e6,
    max: Number.isFinite(max) ? max : 1e6,
    minExcluded,
    maxExcluded,
  });
}

function objectArbitrary(def: Def, inner: (child: z.ZodType, segment: string) => Arbitrary<unknown>): Arbitrary<unknown> {
  const shape = def.shape as Record<string, z.ZodType>;
  const required: string[] = [];
  const fields: Record<string, Arbitrary<unknown>> = {};
  for (const [key, child] of Object.entries(shape)) {
    const childDef = defOf(child);
    const optional = childDef.type === "optional" || childDef.type === "default" || childDef.type === "prefault";
    // An optional field is left out (not set to undefined): what a model's JSON does.
    fields[key] = inner(optional ? (childDef.innerType as z.ZodType) : child, key);
    if (!optional) required.push(key);
  }
  return fc.record(fields, { requiredKeys: required });
}
