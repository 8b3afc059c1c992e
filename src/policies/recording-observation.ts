// What FreeSWITCH has shown about one call's recordings, folded from RECORD_START / RECORD_STOP.

import type { RecordingCommand } from './recording-command';

export interface ObservedRecording {
  /** Paths with a RECORD_START and no RECORD_STOP yet: the only proof a recording runs. */
  readonly running: readonly string[];
  /** `start` sent, no RECORD_START (or -ERR) yet: never counted as running, never re-sent. */
  readonly startsInFlight: readonly string[];
  /** `stop` sent, no RECORD_STOP (or -ERR) yet: not re-sent. */
  readonly stopsInFlight: readonly string[];
  /**
   * FreeSWITCH fires no event for mask/unmask, so the accepted reply is the only signal;
   * 'unknown' after a resync, and then reconcile re-sends the wanted one (both are idempotent).
   */
  readonly masked: boolean | 'unknown';
  /** Announcement ids already broadcast in this call (from the evidence log after a resync). */
  readonly announced: readonly string[];
}

export const NOTHING_OBSERVED: ObservedRecording = {
  running: [],
  startsInFlight: [],
  stopsInFlight: [],
  masked: false,
  announced: [],
};

export type RecordingObservation =
  | { readonly kind: 'RECORD_START'; readonly path: string }
  | { readonly kind: 'RECORD_STOP'; readonly path: string }
  /** A command was written to the socket. */
  | { readonly kind: 'sent'; readonly command: RecordingCommand }
  /** Its reply: ok = +OK, otherwise -ERR (or a timeout). */
  | { readonly kind: 'reply'; readonly command: RecordingCommand; readonly ok: boolean }
  /**
   * After a reconnect: ESL cannot replay missed events, so state is rebuilt from what is
   * known now (running bugs, the evidence log's announcements) instead.
   */
  | { readonly kind: 'resync'; readonly running: readonly string[]; readonly announced: readonly string[] };

// concat and slice allocate the exact length; a spread or a filter with results reserves 17
// slots (≈150 bytes more), and these lists live as long as the call (issue 12: heap per call).
// An empty list is one shared frozen array.
const NONE: readonly string[] = Object.freeze([]);
const without = (list: readonly string[], item: string): readonly string[] => {
  const rest = list.includes(item) ? list.filter((x) => x !== item) : list;
  return rest.length === 0 ? NONE : rest.slice();
};
const withItem = (list: readonly string[], item: string): readonly string[] => (list.includes(item) ? list.slice() : list.concat(item));

/**
 * The reducer. `uuid_record … start` answers "+OK Success" before the media bug has
 * written anything, and the bug can still fail to start (e.g. the file cannot be opened):
 * only RECORD_START proves a recording (the flaw STYLE.md names in NEventSocket). So a
 * start's +OK leaves it in flight; its -ERR clears it so it can be retried.
 */
export function observeRecording(observed: ObservedRecording, o: RecordingObservation): ObservedRecording {
  switch (o.kind) {
    case 'RECORD_START':
      return {
        ...observed,
        running: withItem(observed.running, o.path),
        startsInFlight: without(observed.startsInFlight, o.path),
        // A fresh media bug is unmasked.
        masked: false,
      };
    case 'RECORD_STOP':
      return {
        ...observed,
        running: without(observed.running, o.path),
        startsInFlight: without(observed.startsInFlight, o.path),
        stopsInFlight: without(observed.stopsInFlight, o.path),
      };
    case 'sent': {
      const c = o.command;
      if (c.kind === 'start') return { ...observed, startsInFlight: withItem(observed.startsInFlight, c.path) };
      if (c.kind === 'stop') return { ...observed, stopsInFlight: withItem(observed.stopsInFlight, c.path) };
      // Marked when sent, so a slow reply never causes the caller to hear it twice.
      if (c.kind === 'announce') return { ...observed, announced: withItem(observed.announced, c.id) };
      return observed;
    }
    case 'reply': {
      const c = o.command;
      if (o.ok) {
        if (c.kind === 'mask') return { ...observed, masked: true };
        if (c.kind === 'unmask') return { ...observed, masked: false };
        return observed; // +OK for start/stop proves nothing; the RECORD_* event will.
      }
      if (c.kind === 'start') return { ...observed, startsInFlight: without(observed.startsInFlight, c.path) };
      if (c.kind === 'stop') return { ...observed, stopsInFlight: without(observed.stopsInFlight, c.path) };
      if (c.kind === 'mask' || c.kind === 'unmask') return { ...observed, masked: 'unknown' };
      if (c.kind === 'announce') return { ...observed, announced: without(observed.announced, c.id) };
      return observed;
    }
    case 'resync':
      return {
        running: [...o.running],
        startsInFlight: [],
        stopsInFlight: [],
        masked: o.running.length > 0 ? 'unknown' : false,
        announced: [...o.announced],
      };
  }
}
