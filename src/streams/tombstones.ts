// A bounded set of recently ended channel uuids, so a late event cannot reopen a finished channel.

/**
 * FreeSWITCH does send events after CHANNEL_DESTROY (a CHANNEL_STATE follows it in
 * consent-bridge-coach/watch-plain), and a slower outbound socket may deliver a channel's
 * events after the inbound connection's DESTROY. Without this set such an event would open
 * a new group that no DESTROY will ever close. Oldest entries are forgotten first.
 */
export class Tombstones {
  private readonly ended = new Set<string>();

  constructor(readonly capacity: number) {}

  add(uuid: string): void {
    if (this.capacity <= 0) return;
    this.ended.delete(uuid);
    this.ended.add(uuid);
    if (this.ended.size > this.capacity) this.ended.delete(this.ended.values().next().value as string);
  }

  has(uuid: string): boolean {
    return this.ended.has(uuid);
  }

  get size(): number {
    return this.ended.size;
  }
}
