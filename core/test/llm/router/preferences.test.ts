/** Config `preferences` and `ratings`: the aliases electModel tries, and the failover order under `failover: "preferences"`. */
import { describe, expect, it } from "vitest";
import { createModelRouter, preferredAliases } from "../../../src/llm/router/index.js";
import { electModel } from "../../../src/llm/script-api/index.js";
import { fakeConnect, fakeTarget, recorder, request, simTime, T, type Behaviour } from "./fakes.js";

const aliases = { smart: ["a:smart"], fast: ["b:fast"], local: ["c:local"] };

function setup(spec: Record<string, Behaviour[]>, extra: { preferences?: string[]; ratings?: Record<string, Record<string, unknown>> } = {}) {
  const time = simTime();
  const fakes = Object.entries(spec).map(([id, behaviours]) => fakeTarget(id, behaviours, time));
  const router = createModelRouter({
    aliases: Object.fromEntries(Object.entries(aliases).map(([alias, ids]) => [alias, ids.map(T)])),
    connect: fakeConnect(fakes).connect,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    resilience: { retry: { maxAttempts: 1 } },
    ...extra,
  });
  return { time, router, fakes: Object.fromEntries(fakes.map((fake) => [fake.id, fake])) };
}

const ok: Behaviour[] = [{ text: "OK" }];
const down: Behaviour[] = [{ kind: "error", category: "auth" }];

describe("preferredAliases", () => {
  it("is the preferences, else every alias in config order", () => {
    expect(preferredAliases({ aliases: ["smart", "fast", "local"], preferences: ["local", "smart"] })).toEqual(["local", "smart"]);
    expect(preferredAliases({ aliases: ["smart", "fast", "local"] })).toEqual(["smart", "fast", "local"]);
  });

  it("ranks by a rating, highest first; ties and unrated aliases keep the preference order", () => {
    const ratings = { smart: { quality: 5, speed: 1 }, fast: { quality: 3, speed: 5 }, local: { quality: 3, speed: "n/a" } };
    const source = { aliases: ["smart", "fast", "local"], preferences: ["local", "fast", "smart"], ratings };
    expect(preferredAliases(source, { rankBy: "quality" })).toEqual(["smart", "local", "fast"]);
    expect(preferredAliases(source, { rankBy: "speed" })).toEqual(["fast", "smart", "local"]);
    expect(preferredAliases(source, { rankBy: "cost" })).toEqual(["local", "fast", "smart"]);
  });
});

describe("electModel on a router with preferences", () => {
  it("without aliases, tries the preferences in order", async () => {
    const { router, time, fakes } = setup({ "a:smart": ok, "b:fast": down, "c:local": ok }, { preferences: ["fast", "local", "smart"] });
    const election = await time.run(electModel(router));
    expect(election).toMatchObject({ status: "ok", alias: "local" });
    expect(election.tried.map((entry) => entry.alias)).toEqual(["fast", "local"]);
    expect(fakes["a:smart"]!.calls).toHaveLength(0);
  });

  it("without preferences, tries every alias in config order", async () => {
    const { router, time } = setup({ "a:smart": down, "b:fast": ok, "c:local": ok });
    expect(await time.run(electModel(router))).toMatchObject({ status: "ok", alias: "fast" });
  });

  it("rankBy orders the candidates by the router's ratings", async () => {
    const ratings = { smart: { speed: 1 }, fast: { speed: 5 }, local: { speed: 3 } };
    const { router, time } = setup({ "a:smart": ok, "b:fast": down, "c:local": ok }, { preferences: ["smart", "fast", "local"], ratings });
    const election = await time.run(electModel(router, undefined, { rankBy: "speed" }));
    expect(election.tried.map((entry) => entry.alias)).toEqual(["fast", "local"]);
    // Given aliases are ranked too.
    const given = await time.run(electModel(router, ["smart", "local"], { rankBy: "speed" }));
    expect(given).toMatchObject({ status: "ok", alias: "local" });
  });

  it("a client that is no router needs the aliases", async () => {
    await expect(electModel({ assertAlias() {}, call: () => Promise.reject(new Error("never")) })).rejects.toThrow(/no aliases to elect from/);
  });
});

describe('failover: "preferences"', () => {
  it("after the alias's own targets, the chain goes on with the preferred aliases in order", () => {
    const { router } = setup({}, { preferences: ["local", "smart", "fast"] });
    const ids = (models?: string[]) =>
      router
        .chainOf(request({ model: "fast", ...(models ? { models } : {}), resilience: { failover: "preferences" } }))
        .map((target) => `${target.provider}:${target.model}`);
    expect(ids()).toEqual(["b:fast", "c:local", "a:smart"]);
    expect(ids(["smart"])).toEqual(["b:fast", "a:smart", "c:local"]);
    // The default failover keeps to the request's own aliases.
    expect(router.chainOf(request({ model: "fast" })).map((target) => target.provider)).toEqual(["b"]);
  });

  it("a call whose alias fails is served by the next preferred alias", async () => {
    const { router, time, fakes } = setup({ "a:smart": ok, "b:fast": down, "c:local": down }, { preferences: ["fast", "local", "smart"] });
    const rec = recorder();
    const response = await time.run(router.call(request({ model: "fast", resilience: { failover: "preferences" } }), rec.options()));
    expect(response.target).toBe("a:smart");
    expect(fakes["c:local"]!.calls).toHaveLength(1);
  });

  it("is a valid policy value; others are named", () => {
    const { router } = setup({});
    expect(() => router.chainOf(request({ resilience: { failover: "best" as never } }))).toThrow(/resilience\.failover/);
  });
});
