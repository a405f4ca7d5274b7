import { inspect, format } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret, isSecret } from "../../src/config/index.js";

const value = "sk-ant-very-secret-123";

describe("Secret", () => {
  const secret = new Secret(value);

  it("reveals its value only through reveal()", () => {
    expect(secret.reveal()).toBe(value);
    expect(isSecret(secret)).toBe(true);
    expect(isSecret(value)).toBe(false);
  });

  it("prints [redacted] every way a value is usually printed", () => {
    const renderings = [
      String(secret),
      `${secret}`,
      "key: " + secret,
      JSON.stringify(secret),
      JSON.stringify({ provider: { apiKey: secret } }),
      inspect(secret),
      inspect({ nested: { apiKey: secret } }, { depth: 10, showHidden: true }),
      format("%s %o %O %j", secret, secret, { secret }, { secret }),
    ];
    for (const text of renderings) {
      expect(text).not.toContain(value);
      expect(text).toContain("[redacted]");
    }
  });

  it("keeps the value out of keys, entries, spreads and clones", () => {
    expect(Object.keys(secret)).toEqual([]);
    expect(JSON.stringify({ ...secret })).toBe("{}");
    expect(JSON.stringify(structuredClone(secret))).not.toContain(value);
  });
});
