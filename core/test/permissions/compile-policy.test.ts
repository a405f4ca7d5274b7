import { describe, expect, it } from "vitest";
import { compilePolicy, PermissionRulesError, type PermissionTarget, type RuleLayer } from "../../src/permissions/index.js";

const root = "/work/project";
const path = (p: string, access: "read" | "write" = "read"): PermissionTarget => ({ kind: "path", path: p, access });
const command = (c: string): PermissionTarget => ({ kind: "command", command: c });
const url = (host: string, ...addresses: string[]): PermissionTarget => ({ kind: "url", url: `https://${host}/`, host, addresses });
const policy = (...layers: RuleLayer["rules"][]) =>
  compilePolicy({ workRoot: root, layers: layers.map((rules, i) => ({ source: i === 0 ? ".escapement.json" : "run options", rules })), shellSandboxed: true });

describe("default policy", () => {
  const defaults = compilePolicy({ workRoot: root, protectedPaths: [`${root}/.escapement`, "/home/me/keys.json"] });

  it("allows the fs tools inside the work root and denies them outside", () => {
    expect(defaults.decide("fs_read", path(`${root}/src/a.ts`)).decision).toBe("allow");
    expect(defaults.decide("fs_write", path(root, "write")).decision).toBe("allow");
    const outside = defaults.decide("fs_write", path("/work/escaped.txt", "write"));
    expect(outside).toMatchObject({ decision: "deny", rule: "default: outside the work root → deny" });
    expect(outside.reason).toContain("outside the work root /work/project");
    // A sibling whose name starts like the root is outside.
    expect(defaults.decide("fs_read", path("/work/project-other/x")).decision).toBe("deny");
  });

  it("protects the sessions directory and key files even inside the root", () => {
    expect(defaults.decide("fs_read", path(`${root}/.escapement/s1/transcript.jsonl`))).toMatchObject({
      decision: "deny",
      rule: "default: .escapement is protected → deny",
    });
    expect(defaults.decide("fs_read", path("/home/me/keys.json")).decision).toBe("deny");
    expect(defaults.decide("fs_read", path(`${root}/.escapement-notes`)).decision).toBe("allow");
  });

  it("takes a protected or readable path as it is, even when it holds glob characters", () => {
    const odd = compilePolicy({
      workRoot: root,
      protectedPaths: [`${root}/runs [1]`, "/srv/keys (old).json"],
      readablePaths: [`${root}/runs [1]/s{2}/downloads`],
    });
    expect(odd.decide("fs_read", path(`${root}/runs [1]/s1/transcript.jsonl`)).decision).toBe("deny");
    // As a glob, "[1]" would match "runs 1" and miss the directory itself.
    expect(odd.decide("fs_read", path(`${root}/runs 1/notes.md`)).decision).toBe("allow");
    expect(odd.decide("fs_read", path("/srv/keys (old).json")).decision).toBe("deny");
    expect(odd.decide("fs_read", path(`${root}/runs [1]/s{2}/downloads/page.html`)).decision).toBe("allow");
  });

  it("asks before an unsandboxed shell command and allows a sandboxed one", () => {
    expect(defaults.decide("shell_run", command("ls")).decision).toBe("ask");
    expect(compilePolicy({ workRoot: root, shellSandboxed: true }).decide("shell_run", command("ls")).decision).toBe("allow");
  });

  it("denies loopback, link-local and private addresses, after DNS, and allows public ones", () => {
    expect(defaults.decide("web_fetch", url("example.com", "93.184.215.14")).decision).toBe("allow");
    for (const address of [
      "127.0.0.1",
      "169.254.169.254",
      "10.0.0.8",
      "192.168.1.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "0.0.0.0",
      "100.64.0.1",
    ]) {
      const verdict = defaults.decide("web_fetch", url("evil.example", address));
      expect(verdict.decision, address).toBe("deny");
      expect(verdict.reason).toContain(address);
    }
    // One private answer among public ones is enough to refuse.
    expect(defaults.decide("web_fetch", url("mixed.example", "93.184.215.14", "127.0.0.1")).decision).toBe("deny");
  });

  it("allows other tools (MCP, a chart's own) as a whole", () => {
    expect(defaults.decide("github__create_issue", { kind: "tool" }).decision).toBe("allow");
  });
});

describe("user rules", () => {
  it("the most specific pattern wins, whatever the order", () => {
    const p = policy({ fs_write: { "**": "allow", "secrets/**": "deny", "secrets/public.txt": "allow" } });
    expect(p.decide("fs_write", path(`${root}/src/a.ts`, "write")).decision).toBe("allow");
    expect(p.decide("fs_write", path(`${root}/secrets/key.pem`, "write"))).toMatchObject({
      decision: "deny",
      rule: '.escapement.json: permissions.fs_write["secrets/**"] = deny',
    });
    expect(p.decide("fs_write", path(`${root}/secrets/public.txt`, "write")).decision).toBe("allow");
  });

  it("absolute globs reach outside the work root; relative ones never do", () => {
    const p = policy({ fs_read: { "/usr/share/dict/**": "allow", "**": "allow" } });
    expect(p.decide("fs_read", path("/usr/share/dict/words")).decision).toBe("allow");
    expect(p.decide("fs_read", path("/etc/passwd")).decision).toBe("deny");
  });

  it("a bare decision for a tool covers it everywhere, and beats the defaults", () => {
    const p = policy({ fs_read: "allow", fs_write: "ask" });
    expect(p.decide("fs_read", path("/etc/hosts")).decision).toBe("allow");
    expect(p.decide("fs_write", path(`${root}/a`, "write")).decision).toBe("ask");
  });

  it("a protected path stays denied under a bare allow, and opens to a rule that names it", () => {
    const rules = { fs_read: "allow" as const };
    const protectedPaths = [`${root}/.escapement`];
    const bare = compilePolicy({ workRoot: root, protectedPaths, layers: [{ source: "c", rules }] });
    expect(bare.decide("fs_read", path(`${root}/.escapement/s/t.jsonl`)).decision).toBe("deny");
    const named = compilePolicy({ workRoot: root, protectedPaths, layers: [{ source: "c", rules: { fs_read: { ".escapement/**": "allow" } } }] });
    expect(named.decide("fs_read", path(`${root}/.escapement/s/t.jsonl`)).decision).toBe("allow");
  });

  it("a later layer wins a tie; the tool's own key beats a server's and *", () => {
    const p = policy({ "*": "deny", fs_read: "allow", "github__*": "ask" }, { fs_read: "deny" });
    expect(p.decide("fs_read", path(`${root}/a`)).decision).toBe("deny");
    expect(p.decide("fs_glob", path(`${root}/a`)).decision).toBe("deny");
    expect(p.decide("github__create_issue", { kind: "tool" }).decision).toBe("ask");
    expect(policy({ "github__*": "ask", github__list_issues: "allow" }).decide("github__list_issues", { kind: "tool" }).decision).toBe("allow");
  });

  it("matches shell commands by word prefix or glob, part by part", () => {
    const p = policy({ shell_run: { "*": "ask", "git status": "allow", "npm test": "allow", "git push *": "deny", "rm *": "deny" } });
    expect(p.decide("shell_run", command("git status -s")).decision).toBe("allow");
    expect(p.decide("shell_run", command("git statuses")).decision).toBe("ask");
    expect(p.decide("shell_run", command("git push origin feature/x")).decision).toBe("deny");
    expect(p.decide("shell_run", command("npm test > out.txt 2>&1")).decision).toBe("allow");
    // Every part of a compound command must be allowed.
    expect(p.decide("shell_run", command("git status && rm -rf /")).decision).toBe("deny");
    expect(p.decide("shell_run", command("git status; curl x | sh")).decision).toBe("ask");
    // Substitutions hide commands: only rules without a pattern apply.
    expect(p.decide("shell_run", command("git status $(rm -rf ~)")).decision).toBe("ask");
    expect(p.decide("shell_run", command("npm test\nrm -rf /")).decision).toBe("ask");
  });

  it("matches hosts by pattern, and private addresses only by a rule that names them", () => {
    const p = policy({ web_fetch: { "*": "deny", "*.example.com": "allow", localhost: "allow", "10.1.0.0/16": "allow" } });
    expect(p.decide("web_fetch", url("docs.example.com", "93.184.215.14")).decision).toBe("allow");
    expect(p.decide("web_fetch", url("other.org", "93.184.215.14")).decision).toBe("deny");
    expect(p.decide("web_fetch", url("localhost", "127.0.0.1")).decision).toBe("allow");
    expect(p.decide("web_fetch", url("intranet.example.com", "10.1.2.3")).decision).toBe("allow");
    // A wildcard host rule does not open private addresses (DNS rebinding).
    expect(p.decide("web_fetch", url("rebind.example.com", "127.0.0.1")).decision).toBe("deny");
    expect(p.decide("web_fetch", url("127.0.0.1", "127.0.0.1")).decision).toBe("deny");
    expect(policy({ web_fetch: { "127.0.0.1": "allow" } }).decide("web_fetch", url("127.0.0.1", "127.0.0.1")).decision).toBe("allow");
  });
});

describe("bad rules", () => {
  it.each([
    [{ fs_write: { "src/[a": "allow" } }, 'permissions.fs_write["src/[a"]: malformed glob'],
    [{ fs_write: { "../**": "allow" } }, 'permissions.fs_write["../**"]: relative patterns are inside the work root'],
    [{ web_fetch: { "https://example.com/x": "allow" } }, 'permissions.web_fetch["https://example.com/x"]: a URL rule is a host pattern'],
    [{ github__create_issue: { "x*": "deny" } }, 'permissions.github__create_issue["x*"]: this tool takes no patterns'],
    [{ "bad name": "allow" }, "permissions.bad name: a tool name"],
  ])("%j is refused with the key path", (rules, message) => {
    expect(() => policy(rules as never)).toThrow(PermissionRulesError);
    expect(() => policy(rules as never)).toThrow(message);
  });
});
