// Keeps one bad event from ending the process: guarded subscriber callbacks, and RxJS's last-resort error hook set to log.
//
// RxJS 7 catches an exception thrown by a subscriber's `next` (or an error with no `error`
// callback) and rethrows it asynchronously from a timer ("reportUnhandledError"): in Node
// that is an uncaught exception, and the daemon exits. One header FreeSWITCH — or any peer
// on the outbound port — sent would then stop the recording of every call. So: every
// subscriber on the daemon's streams runs through `guarded` (the event is logged with its
// call id and dropped), and `installRxGuard` makes RxJS log what still escapes.

import { config } from 'rxjs';
import type { Logger } from './logger';

export interface RxGuardStats {
  /** Errors RxJS would have rethrown (a subscriber without a guard threw). */
  unhandled: number;
  /** Events a guarded subscriber dropped because handling them threw. */
  dropped: number;
}

/** Process-wide counters (metrics, and tests asserting nothing escaped). */
export const rxGuardStats: RxGuardStats = { unhandled: 0, dropped: 0 };

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Sets rxjs `config.onUnhandledError` to log instead of rethrowing. Returns a function that
 * restores the previous hook (tests). Installed once by the daemon at start.
 */
export function installRxGuard(logger: Logger): () => void {
  const log = logger.child({ module: 'rx-guard' });
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error: unknown) => {
    rxGuardStats.unhandled++;
    try {
      log.error(`an event handler failed and the event was dropped (${messageOf(error)}); the daemon goes on`);
    } catch {
      // A logger that throws must not bring back the crash this hook prevents.
    }
  };
  return () => {
    config.onUnhandledError = previous;
  };
}

/**
 * Wraps a subscriber callback: an exception is logged with the value's call id (when
 * `callIdOf` knows it) and the value is dropped; it never reaches RxJS. `what` names the
 * handler in the log line.
 */
export function guarded<T>(log: Logger, what: string, handle: (value: T) => void, callIdOf?: (value: T) => string | undefined): (value: T) => void {
  return (value: T) => {
    try {
      handle(value);
    } catch (error) {
      let callId: string | undefined;
      try {
        callId = callIdOf?.(value);
      } catch {
        callId = undefined;
      }
      reportDropped(log, what, error, callId);
    }
  };
}

/** What guarded() does with an exception, for a handler that catches its own (one closure instead of three). Never throws. */
export function reportDropped(log: Logger, what: string, error: unknown, callId: string | undefined): void {
  rxGuardStats.dropped++;
  try {
    log.error(`${what} failed (${messageOf(error)}); this event was dropped, the call and the daemon go on`, callId === undefined ? {} : { callId });
  } catch {
    // Never rethrow from here.
  }
}
