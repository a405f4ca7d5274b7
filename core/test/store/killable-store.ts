/**
 * A store whose writers can be cut off mid-run, as a process killed with SIGKILL is: from the
 * moment of the kill no write reaches the store and none is ever acknowledged, so the run stops
 * acting (its effects wait for acknowledgements) and the store keeps what it held at the kill.
 */
import type { SessionStore, SessionWriter } from "../../src/store/index.js";

export interface KillableStore {
  store: SessionStore;
  /** Settles once the writer was cut off and what it had sent the store before settled (committed or failed), as when a process dies and its connection closes. */
  killed: Promise<void>;
  kill(): void;
}

/** `killAfter` is asked about every cassette append, after it reached the store: true cuts the writer off there. */
export function killable(inner: SessionStore, killAfter: (cassetteText: string) => boolean = () => false): KillableStore {
  let dead = false;
  let told!: () => void;
  const killed = new Promise<void>((resolve) => (told = resolve));
  let live: SessionWriter | undefined;
  const kill = () => {
    if (dead) return;
    dead = true;
    void Promise.resolve(live?.durable()).then(told, told);
  };
  // Never settles: an acknowledgement the dead process never got.
  const never = new Promise<void>(() => {});
  const cut = (writer: SessionWriter): SessionWriter => {
    live = writer;
    const sinks = writer as unknown as Record<string, Record<string, (...args: unknown[]) => unknown>>;
    const part = <T>(name: string, writes: string[]): T => {
      const sink = sinks[name]!;
      const out: Record<string, unknown> = { ...sink };
      for (const key of Object.keys(sink)) if (typeof sink[key] === "function") out[key] = sink[key]!.bind(sink);
      for (const write of writes) out[write] = (...args: unknown[]) => (dead ? never : sink[write]!(...args));
      return out as T;
    };
    const cassette = part<SessionWriter["cassette"]>("cassette", []) as { append: (text: string) => unknown };
    const append = (writer.cassette as { append: (text: string) => unknown }).append;
    cassette.append = (text: string) => {
      if (dead) return never;
      const ack = append(text);
      if (killAfter(text)) kill();
      return ack;
    };
    return {
      sessionId: writer.sessionId,
      location: writer.location,
      dir: writer.dir,
      transcript: part("transcript", ["append"]),
      io: part("io", ["append"]),
      checkpoints: part("checkpoints", ["append"]),
      artifacts: part("artifacts", ["write"]),
      cassette: cassette as SessionWriter["cassette"],
      writeManifest: (manifest) => (dead ? never : writer.writeManifest(manifest)),
      durable: () => (dead ? never : writer.durable()),
      lock: (lock) => (dead ? never : writer.lock(lock)),
      unlock: (pid) => (dead ? undefined : writer.unlock(pid)),
    };
  };
  const store: SessionStore = {
    ...inner,
    kind: inner.kind,
    where: inner.where,
    create: async (request) => cut(await inner.create(request)),
    reopen: async (key, cuts, manifest) => cut(await inner.reopen(key, cuts, manifest)),
  };
  // Every other method is the inner store's, bound to it.
  for (const [key, value] of Object.entries(inner)) {
    if (typeof value === "function" && key !== "create" && key !== "reopen") (store as unknown as Record<string, unknown>)[key] = value.bind(inner);
  }
  return { store, killed, kill };
}
