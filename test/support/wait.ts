// Awaiting a condition that changes when an observable emits (no polling sleeps).

import type { Observable } from 'rxjs';

/** Resolves once `pred()` holds, re-checking on each emission of `changes$`; rejects after `timeoutMs`. */
export function until(changes$: Observable<unknown>, pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = changes$.subscribe(() => {
      if (!pred()) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve();
    });
  });
}
