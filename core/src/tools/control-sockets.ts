/**
 * Unix sockets of services that run programs on a client's behalf, outside any sandbox. A
 * read-only mount does not stop connect() on a socket, so a sandbox hides these whatever else it
 * hides. Paths that do not exist are skipped by the sandbox.
 */
export const controlSockets = (uid: number | undefined = process.getuid?.(), env: NodeJS.ProcessEnv = process.env): string[] => [
  // The user's runtime directory: the session D-Bus and the systemd user manager (both start
  // units on request), ssh and gpg agents, Wayland, rootless podman.
  ...(env["XDG_RUNTIME_DIR"] ? [env["XDG_RUNTIME_DIR"]] : []),
  ...(uid === undefined ? [] : [`/run/user/${uid}`]),
  // The system D-Bus and systemd's private socket: to root, both start units on request.
  "/run/dbus/system_bus_socket",
  "/var/run/dbus/system_bus_socket",
  "/run/systemd/private",
  // Container engines: a container with the host's / mounted writable is as good as root.
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/podman/podman.sock",
  "/run/containerd/containerd.sock",
];
