import { expect, test } from "bun:test";
import { parseCliArgs } from "../src/cli-args.ts";

test("replay and live forms", () => {
  expect(parseCliArgs(["--replay", "a.wire.jsonl"])).toEqual({ ok: true, args: { mode: "replay", file: "a.wire.jsonl" } });
  expect(parseCliArgs(["--url", "ws://127.0.0.1:9000", "--token", "t", "--since", "12"])).toEqual({
    ok: true,
    args: { mode: "live", url: "ws://127.0.0.1:9000", token: "t", since: 12 },
  });
  expect(parseCliArgs(["-h"])).toEqual({ ok: true, args: { mode: "help" } });
  expect(parseCliArgs(["--url", "ws://h:1", "--token", "t", "--session-dir", ".escapement/s-1"])).toEqual({
    ok: true,
    args: { mode: "live", url: "ws://h:1", token: "t", since: 0, sessionDir: ".escapement/s-1" },
  });
  expect(parseCliArgs(["--session-dir", "d", "--replay", "f"])).toEqual({ ok: true, args: { mode: "replay", file: "f", sessionDir: "d" } });
});

test.each([
  [[], "give --replay <file> or --url <ws://...>"],
  [["--replay"], "--replay needs a value"],
  [["--replay", "f", "--session-dir"], "--session-dir needs a value"],
  [["--url", "http://x", "--token", "t"], '--url must start with ws:// or wss://, got "http://x"'],
  [["--url", "ws://x"], "--url needs --token (see the session's wire.json)"],
  [["--url", "ws://x", "--token", "t", "--since", "-1"], '--since must be a whole number, got "-1"'],
  [["--replay", "f", "--url", "ws://x"], "give either --replay or --url, not both"],
  [["--verbose"], 'unknown argument "--verbose"'],
  [["--replay", "f", "--parent-pid", "0"], '--parent-pid must be a process id (a whole number above 0), got "0"'],
  [["--replay", "f", "--parent-pid", "12x"], '--parent-pid must be a process id (a whole number above 0), got "12x"'],
])("%j is refused: %s", (argv, error) => {
  expect(parseCliArgs(argv)).toEqual({ ok: false, error });
});

test("the token may come from ESCAPEMENT_WIRE_TOKEN (the core passes it so, out of ps)", () => {
  expect(parseCliArgs(["--url", "ws://h:1"], { ESCAPEMENT_WIRE_TOKEN: "from-env" })).toEqual({
    ok: true,
    args: { mode: "live", url: "ws://h:1", token: "from-env", since: 0 },
  });
  expect(parseCliArgs(["--url", "ws://h:1", "--token", "flag"], { ESCAPEMENT_WIRE_TOKEN: "env" })).toMatchObject({ args: { token: "flag" } });
});

test("--parent-pid names the process whose end ends the UI, in both modes", () => {
  expect(parseCliArgs(["--url", "ws://h:1", "--token", "t", "--parent-pid", "4242"])).toEqual({
    ok: true,
    args: { mode: "live", url: "ws://h:1", token: "t", since: 0, parentPid: 4242 },
  });
  expect(parseCliArgs(["--replay", "f", "--parent-pid", "7"])).toEqual({ ok: true, args: { mode: "replay", file: "f", parentPid: 7 } });
});
