/** Model facts (bundled models.dev + the project's overlay), cost, and the needs filter. */
export { createCatalog, catalogFromConfig, lookupModel, type Catalog, type CreateCatalogOptions } from "./catalog.js";
export { costUsd } from "./cost.js";
export {
  filterTargets,
  describeNeeds,
  needsSchema,
  numericNeedSchema,
  type Needs,
  type NumericNeed,
  type Eligibility,
  type Rejection,
  type FilterTargetsOptions,
} from "./needs.js";
export {
  factKeys,
  modelFactsOverlaySchema,
  modelPricingSchema,
  type FactKey,
  type FactsOrigin,
  type ModelFacts,
  type ModelFactsOverlay,
  type ModelPricing,
} from "./facts.js";
export { bundledCatalog, type BundledCatalog, type BundledModel, type BundledProvider } from "./bundled.js";
