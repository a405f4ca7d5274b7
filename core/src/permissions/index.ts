export type { PermissionTarget, PermissionDecision, PathAccess, Verdict, Permit, PermitFn } from "./permission-target.js";
export { permissionDecisions, pathAccesses } from "./permission-target.js";
export type { PermissionPolicy } from "./permission-policy.js";
export { compilePolicy, compileRules, PermissionRulesError, type PolicyOptions, type RuleLayer } from "./compile-policy.js";
export { defaultPolicy, realWorkRoot } from "./default-policy.js";
export { permitWithoutHuman } from "./permit-without-human.js";
export { describeTarget } from "./describe-target.js";
export {
  permissionRulesSchema,
  sandboxSettingsSchema,
  sandboxSettings,
  sandboxModes,
  type PermissionRules,
  type SandboxMode,
  type SandboxSettings,
  type SandboxSettingsInput,
} from "./permission-rules.js";
export { builtinToolTargets, targetKindOf, type TargetKind } from "./tool-targets.js";
export { isPublicAddress, addressRange } from "./address-class.js";
