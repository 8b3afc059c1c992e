// The DTMF keys FreeSWITCH reported on the authenticated inbound connection, so a consent key from a call socket is believed only when the inbound stream saw it too.

import type { Observable, Subscription } from 'rxjs';
import type { EslEvent } from '../esl/frame';
import { ownString } from '../esl/own-string';
import { FIELD_LIMITS } from '../streams/freeswitch-fields';

/** Keys kept per channel (a caller cannot make this grow: older keys are dropped). */
const MAX_PER_CHANNEL = 32;
/** Channels tracked at once; the oldest is forgotten first. */
const MAX_CHANNELS = 10_000;

interface Press {
  readonly seq: number;
  readonly digit: string;
}

/**
 * A call socket is one TCP peer's word; the inbound connection is the one we dialled and
 * authenticated. The consent flow reads the caller's key from the socket (play_and_get_digits
 * completes there) and asks this table whether the inbound stream saw the same key on the same
 * channel after the prompt began. Order is by arrival (a sequence number), never by clock.
 */
export class InboundDigits {
  private seq = 0;
  private readonly presses = new Map<string, Press[]>();
  /** Per channel: a key press wakes only the prompts waiting on its own channel. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly sub: Subscription;

  constructor(inboundEvents$: Observable<EslEvent>) {
    this.sub = inboundEvents$.subscribe({
      next: (event) => this.note(event),
      error: () => undefined,
    });
  }

  /** Pass to `seen` to count only keys that arrive from now on. */
  mark(): number {
    return this.seq;
  }

  /** Resolves true once `digit` on `uuid` arrived after `since`; false after `timeoutMs`. */
  seen(uuid: string, digit: string, since: number, timeoutMs: number): Promise<boolean> {
    const found = (): boolean => (this.presses.get(uuid) ?? []).some((p) => p.seq > since && p.digit === digit);
    if (found()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const drop = (): void => {
        const set = this.waiters.get(uuid);
        set?.delete(check);
        if (set?.size === 0) this.waiters.delete(uuid);
      };
      const timer = setTimeout(() => {
        drop();
        resolve(false);
      }, timeoutMs);
      const check = (): void => {
        if (!found()) return;
        clearTimeout(timer);
        drop();
        resolve(true);
      };
      let set = this.waiters.get(uuid);
      if (set === undefined) this.waiters.set(uuid, (set = new Set()));
      set.add(check);
    });
  }

  forget(uuid: string): void {
    this.presses.delete(uuid);
  }

  stop(): void {
    this.sub.unsubscribe();
  }

  private note(event: EslEvent): void {
    if (event.name === 'CHANNEL_DESTROY') {
      const gone = event.headers['Unique-ID'];
      if (gone !== undefined) this.presses.delete(gone);
      return;
    }
    if (event.name !== 'DTMF') return;
    const uuid = event.headers['Unique-ID'];
    const digit = event.headers['DTMF-Digit'];
    if (uuid === undefined || uuid.length > FIELD_LIMITS.id || digit === undefined || !/^[0-9*#A-D]$/.test(digit)) return;
    const press = { seq: ++this.seq, digit };
    const list = this.presses.get(uuid);
    if (list === undefined) {
      if (this.presses.size >= MAX_CHANNELS) this.presses.delete(this.presses.keys().next().value as string);
      // A literal, not [] and a push: a pushed-to array reserves 17 slots, kept for the whole call.
      // The key is kept until the channel is destroyed: its own copy, not a slice of an
      // event-plain header block (that kept ≈ 2 KB per live call).
      this.presses.set(ownString(uuid), [press]);
    } else {
      list.push(press);
      if (list.length > MAX_PER_CHANNEL) list.shift();
    }
    for (const w of [...(this.waiters.get(uuid) ?? [])]) w();
  }
}
