// Drives a CallRegistry through many overlapping two-leg calls: the leak test's load, shared with the bench.

import { Subject, type Subscription } from 'rxjs';
import { CallRegistry } from '../../src/streams/call-registry';
import type { NodeEvent } from '../../src/streams/node-event';
import { newClock, twoLegCall } from './synthetic';

export interface ChurnResult {
  readonly registry: CallRegistry;
  readonly source: Subject<NodeEvent>;
  readonly subscription: Subscription;
  readonly ended: number;
  readonly updates: number;
  readonly peakGroups: number;
  readonly peakCalls: number;
}

/** `calls` calls, `concurrent` at a time with their events interleaved, as on a busy switch. */
export function churnRegistry(calls: number, concurrent: number, onBatch?: (done: number, registry: CallRegistry) => void): ChurnResult {
  const registry = new CallRegistry();
  const source = new Subject<NodeEvent>();
  let ended = 0;
  let updates = 0;
  registry.calls$.subscribe((u) => {
    updates++;
    if (u.kind === 'ended') ended++;
  });
  const subscription = registry.attach(source);
  const clock = newClock();
  let peakGroups = 0;
  let peakCalls = 0;
  for (let batch = 0; batch < calls; batch += concurrent) {
    const lives = Array.from({ length: concurrent }, (_, i) => twoLegCall(clock, batch + i, String(1000 + ((batch + i) % 200))));
    for (let step = 0; step < lives[0]!.length; step++) {
      for (const life of lives) source.next({ node: 'fs1', event: life[step]! });
      peakGroups = Math.max(peakGroups, registry.gauges.openGroups);
      peakCalls = Math.max(peakCalls, registry.size);
    }
    onBatch?.(batch + concurrent, registry);
  }
  return { registry, source, subscription, ended, updates, peakGroups, peakCalls };
}
