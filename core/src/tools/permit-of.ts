import { compilePolicy } from "../permissions/compile-policy.js";
import { realWorkRoot } from "../permissions/default-policy.js";
import type { PermitFn } from "../permissions/permission-target.js";
import { permitWithoutHuman } from "../permissions/permit-without-human.js";
import type { ToolContext } from "./tool.js";

/** The permit a tool uses: the run's, or (a tool called directly) the default policy for its work root, nobody to ask. */
export const permitOf = (context: ToolContext, tool: string): PermitFn =>
  context.permit ?? permitWithoutHuman(compilePolicy({ workRoot: realWorkRoot(context.workDir), shellSandboxed: context.sandbox !== undefined }), tool);
