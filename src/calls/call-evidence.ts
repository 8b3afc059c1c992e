// Appends one consent-evidence row for a call through the store's queue, never throwing into call handling.

import type { Logger } from '../logger';

export interface EvidenceSink {
  appendEvidence(callId: string, kind: string, detail: unknown): string;
}

/**
 * Through the queue, never the repository: the queue keeps the order rows were produced in
 * (the hash chain's order) and survives a database outage. A closed queue (daemon stopping)
 * loses the row; that gap is logged, since the evidence chain would otherwise hide it.
 */
export function appendEvidence(sink: EvidenceSink, log: Logger, callId: string, kind: string, detail: unknown): void {
  try {
    sink.appendEvidence(callId, kind, detail);
  } catch (err) {
    log.error(`evidence not written (${(err as Error).message}): ${kind}`, { callId });
  }
}
