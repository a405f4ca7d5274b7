import * as fc from "fast-check";
import type { Arbitrary } from "fast-check";
import type { z } from "zod";
import type { ChartSimulation, ChartView } from "../engine/index.js";
import { formatSchemaPath, UngenerableSchemaError, zodArbitrary } from "./zod-arbitrary.js";

/**
 * A chart event whose payload schema cannot be generated (or a real tool's input schema): names
 * the event (or tool) and the schema path.
 */
export class UngenerableEventError extends Error {
  override readonly name = "UngenerableEventError";
  readonly category = "ungenerable-schema";
  constructor(
    readonly eventName: string,
    readonly schemaPath: string,
    reason: string,
    kind: "event" | "tool" = "event",
  ) {
    const key = schemaPath === "(payload)" ? "" : schemaPath;
    const fix =
      kind === "event"
        ? `give an arbitrary by hand in the chart's simulation: arbitraries: { ${JSON.stringify(eventName)}: { ${JSON.stringify(key)}: fc.… } }`
        : "leave this tool out of the simulation's real tools";
    super(`${kind} "${eventName}": ${schemaPath}: ${reason}; ${fix}`);
  }
}

const isArbitrary = (value: unknown): value is Arbitrary<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { generate?: unknown }).generate === "function";

/**
 * The arbitraries of payloads, one per (schema, event), built once: the chart's schemas are the
 * same objects in every run, and a shrinker needs the arbitrary that drew a value.
 */
export class PayloadArbitraries {
  readonly #given: NonNullable<ChartSimulation["arbitraries"]>;
  readonly #built = new WeakMap<z.ZodType, Map<string, Arbitrary<unknown>>>();

  constructor(given: ChartSimulation["arbitraries"] = {}) {
    this.#given = given;
  }

  /** Whether the event's arbitrary is a function of the chart's state (built at each turn, not once). */
  contextual(eventName: string): boolean {
    return typeof this.#given[eventName] === "function";
  }

  /** Throws `UngenerableEventError`. `view`: the receiving chart's state, for an arbitrary given as a function of it. */
  of(eventName: string, schema: z.ZodType, view?: Omit<ChartView, "event">): Arbitrary<unknown> {
    const given = this.#given[eventName];
    if (typeof given === "function" && view) return given({ ...view, fc });
    let byEvent = this.#built.get(schema);
    if (!byEvent) this.#built.set(schema, (byEvent = new Map()));
    let arbitrary = byEvent.get(eventName);
    if (!arbitrary) {
      arbitrary = this.#build(eventName, schema);
      byEvent.set(eventName, arbitrary);
    }
    return arbitrary;
  }

  #build(eventName: string, schema: z.ZodType): Arbitrary<unknown> {
    const given = this.#given[eventName];
    if (isArbitrary(given)) return given;
    try {
      return zodArbitrary(schema, typeof given === "object" ? given : {});
    } catch (error) {
      if (error instanceof UngenerableSchemaError) throw new UngenerableEventError(eventName, formatSchemaPath(error.path), error.reason);
      throw error;
    }
  }
}
