// Live counters of the stream layer (open channel groups, inner subscriptions) for metrics and leak tests.

export interface StreamGauges {
  /** Live channels the channel layer holds (one per live channel). */
  openGroups: number;
  /**
   * Subscriptions inside the channel layer: channelMessages' grace timers waiting after a
   * CHANNEL_HANGUP_COMPLETE (the tests' groupBy oracle counts its per-group subscribers here).
   */
  activeSubscriptions: number;
  /** Groups closed so far, by reason. */
  closedByDestroy: number;
  closedByGrace: number;
  closedByExpiry: number;
  /** Events dropped because their channel had already ended. */
  lateEvents: number;
}

export function newStreamGauges(): StreamGauges {
  return { openGroups: 0, activeSubscriptions: 0, closedByDestroy: 0, closedByGrace: 0, closedByExpiry: 0, lateEvents: 0 };
}
