// The last line of defence: what a subscriber throws is logged (with the call id where known), never rethrown.

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { eavesdropArg } from '../src/coaching/coaching-commands';
import { EslArgumentError } from '../src/esl/errors';
import { guarded, installRxGuard, rxGuardStats } from '../src/rx-guard';
import { captureLogger } from './support/capture-logger';

describe('rx-guard', () => {
  it('guarded(): the failing event is logged with its call id and dropped; the next one is handled', () => {
    const log = captureLogger();
    const seen: number[] = [];
    const source = new Subject<number>();
    source.subscribe(
      guarded(log.logger, 'test handler', (n) => {
        if (n === 2) throw new RangeError('Invalid time value');
        seen.push(n);
      }, (n) => `call-${n}`),
    );
    const dropped = rxGuardStats.dropped;
    for (const n of [1, 2, 3]) source.next(n);
    expect(seen).to.deep.equal([1, 3]);
    expect(rxGuardStats.dropped).to.equal(dropped + 1);
    const line = log.entries.find((l) => /test handler failed/.test(l.message))!;
    expect(line.message).to.match(/RangeError: Invalid time value/);
    expect(line.meta.callId).to.equal('call-2');
  });

  it('installRxGuard(): an unguarded subscriber that throws is logged instead of crashing the process', async () => {
    const log = captureLogger();
    const uninstall = installRxGuard(log.logger);
    try {
      const before = rxGuardStats.unhandled;
      const source = new Subject<number>();
      source.subscribe(() => {
        throw new Error('boom');
      });
      source.next(1);
      // RxJS reports it from a timer: wait for the line rather than for time.
      const line = await log.waitFor(/event handler failed/, 5000);
      expect(line).to.match(/boom/);
      expect(rxGuardStats.unhandled).to.equal(before + 1);
    } finally {
      uninstall();
    }
  });

  it('eavesdrop targets must be UUIDs (eavesdrop also takes "all")', () => {
    expect(eavesdropArg('8b1f6c52-1d7e-4f7a-9a55-0d1c3f9e2a11')).to.equal('8b1f6c52-1d7e-4f7a-9a55-0d1c3f9e2a11');
    for (const bad of ['all', '8b1f6c52-1d7e-4f7a-9a55-0d1c3f9e2a11 all', '8b1f6c52-1d7e-4f7a-9a55-0d1c3f9e2a11\n', '']) {
      expect(() => eavesdropArg(bad), JSON.stringify(bad)).to.throw(EslArgumentError);
    }
  });
});
