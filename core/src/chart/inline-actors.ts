import type { AnyActorLogic } from "xstate";

/**
 * `setup({ actors: inlineActors, ... })`: lets a chart invoke logic inline (`invoke: converse({...})`,
 * `invoke: askHuman({...})`). Without it, xstate's `setup()` types accept only actors declared by
 * name, and inline invokes fail to type-check. Runtime value: an empty object.
 */
export const inlineActors = {} as Record<string, AnyActorLogic>;
