// Feeds a stream of call views (and "ended" markers) into a publisher.

import type { Observable, Subscription } from 'rxjs';
import { logger as rootLogger, type Logger } from '../logger';
import type { CallPublisher, CallViewUpdate } from './call-view';

/**
 * Subscribes and returns the subscription (unsubscribe to stop). An error in the source is logged
 * and ends the feed; it must not take the daemon down, since MQTT is only the ops view of calls.
 */
export function publishCallViews(
  publisher: CallPublisher,
  updates: Observable<CallViewUpdate>,
  log: Logger = rootLogger.child({ module: 'mqtt' }),
): Subscription {
  return updates.subscribe({
    next: (update) => {
      if ('ended' in update) publisher.clearCall(update.ended);
      else publisher.publishCall(update);
    },
    error: (err: unknown) => {
      log.error(`call view stream failed; MQTT call states stop updating: ${err instanceof Error ? err.message : String(err)}`);
    },
  });
}
