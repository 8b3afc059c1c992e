// Where a call's time goes between an event and the command it leads to, for whoever listens:
// the load bench (bench/load.ts) prints the split, a profiler can subscribe in production.
// node:diagnostics_channel costs one boolean test per mark while nobody subscribes.

import { channel } from 'node:diagnostics_channel';

/** The marks of one decision, in the order they happen. */
export type DecisionStep =
  /** The call's own stream delivered an update to its controller. */
  | 'event'
  /** The policies decided (consent on file read again, evidence appended). */
  | 'decided'
  /** A start waits for the recording gate (its evidence fsync'd). */
  | 'gate'
  /** The gate answered; the command goes on the socket next. */
  | 'gated';

export interface DecisionMark {
  readonly callId: string;
  readonly step: DecisionStep;
}

export const DECISION_CHANNEL = 'callwarden:decision';

const decisions = channel(DECISION_CHANNEL);

export function markDecision(callId: string, step: DecisionStep): void {
  if (decisions.hasSubscribers) decisions.publish({ callId, step } satisfies DecisionMark);
}
