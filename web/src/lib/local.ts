/** isLocal reports whether the page runs against a local network (the localnet wallet is offered). */
export function isLocal(): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);
}
