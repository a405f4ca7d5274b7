/**
 * The types of permission rules where users write them (run options, a conversation), pinned:
 * a decision is one of three words, a pattern map holds decisions, the sandbox takes its modes.
 */
import { describe, expectTypeOf, it } from "vitest";
import { converse, type PermissionDecision, type PermissionRules, type RunOptions, type SandboxSettingsInput } from "../../src/index.js";

describe("permission rules", () => {
  it("map tools to a decision or to patterns with decisions", () => {
    expectTypeOf<PermissionDecision>().toEqualTypeOf<"allow" | "ask" | "deny">();
    expectTypeOf<PermissionRules>().toEqualTypeOf<Record<string, PermissionDecision | Record<string, PermissionDecision>>>();
    expectTypeOf<RunOptions["permissions"]>().toEqualTypeOf<PermissionRules | undefined>();
    expectTypeOf<{ fs_write: { "src/**": "allow" }; web_fetch: "deny" }>().toExtend<PermissionRules>();
    // @ts-expect-error "maybe" is not a decision
    const wrong: PermissionRules = { fs_write: "maybe" };
    void wrong;
  });

  it("are a conversation param, literal or from the context", () => {
    converse<{ strict: boolean }>({ id: "c", permissions: { shell_run: "ask" } });
    converse<{ strict: boolean }>({ id: "c", permissions: ({ context }) => ({ shell_run: context.strict ? "deny" : "allow" }) });
    // @ts-expect-error a pattern maps to a decision
    converse({ id: "c", permissions: { fs_read: { "**": true } } });
  });

  it("take the sandbox as a mode or as settings", () => {
    expectTypeOf<"required">().toExtend<SandboxSettingsInput>();
    expectTypeOf<{ mode: "off"; network: true }>().toExtend<SandboxSettingsInput>();
    // @ts-expect-error "strict" is not a mode
    const wrong: SandboxSettingsInput = "strict";
    void wrong;
  });
});
