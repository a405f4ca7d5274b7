import { z } from "zod";

/** USD per million tokens. */
export interface ModelPricing {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** What is known about one model. Every fact is optional: absent means unknown. */
export interface ModelFacts {
  /** Tokens of input plus output the model accepts. */
  contextWindow?: number;
  /** Most output tokens one response may have. */
  maxOutput?: number;
  /** Accepts images. */
  vision?: boolean;
  toolCalling?: boolean;
  reasoning?: boolean;
  pricing?: ModelPricing;
  /** Where the facts came from: the bundled catalog entry, the config overlay, or a built-in default. */
  origin: FactsOrigin;
}

export interface FactsOrigin {
  /** The models.dev entry used, e.g. `anthropic:claude-sonnet-4-20250514`. */
  bundled?: string;
  /** The `.escapement.json` `catalog` key merged over it, e.g. `anthropic:claude-sonnet-4-5`. */
  overlay?: string;
  /** A built-in rule, e.g. `ollama runs locally: no per-token price`. */
  builtin?: string;
}

/** The facts the needs filter can test (pricing is not one of them). */
export const factKeys = ["contextWindow", "maxOutput", "vision", "toolCalling", "reasoning"] as const;
export type FactKey = (typeof factKeys)[number];

const price = z.number().min(0).describe("USD per million tokens");

export const modelPricingSchema = z
  .strictObject({
    input: price.optional(),
    output: price.optional(),
    cacheRead: price.optional(),
    cacheWrite: price.optional(),
  })
  .describe("USD per million input / output / cache-read / cache-write tokens");

/** One entry of the `catalog` overlay in `.escapement.json`. */
export const modelFactsOverlaySchema = z
  .strictObject({
    contextWindow: z.number().int().positive().optional().describe("tokens of input plus output the model accepts"),
    maxOutput: z.number().int().positive().optional().describe("most output tokens one response may have"),
    vision: z.boolean().optional().describe("accepts images"),
    toolCalling: z.boolean().optional().describe("supports tool calls"),
    reasoning: z.boolean().optional().describe("has a thinking / reasoning mode"),
    pricing: modelPricingSchema.optional(),
  })
  .describe("facts merged over the bundled catalog's facts for this target");

export type ModelFactsOverlay = z.infer<typeof modelFactsOverlaySchema>;
