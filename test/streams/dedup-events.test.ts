// Dedup: the same event from two connections passes once; memory stays fixed.

import { expect } from 'chai';
import { from, map, toArray, firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { dedupEvents, EventDeduplicator, newDedupStats, SequenceWindow } from '../../src/streams/dedup-events';
import { tracesAvailable } from '../support/traces';
import { interleaveBySequence, tagged, traceEvents } from './fixtures';
import { channelEvent, newClock, onNode } from './synthetic';

describe('streams/dedup-events', () => {
  describe('SequenceWindow', () => {
    const cases: Array<{ title: string; window: number; feed: number[]; want: string[] }> = [
      { title: 'increasing numbers are all new', window: 4, feed: [1, 2, 3, 5], want: ['new', 'new', 'new', 'new'] },
      { title: 'a repeat is a duplicate', window: 4, feed: [1, 2, 2, 1], want: ['new', 'new', 'duplicate', 'duplicate'] },
      { title: 'a late but unseen number inside the window is new', window: 4, feed: [1, 3, 2, 2], want: ['new', 'new', 'new', 'duplicate'] },
      { title: 'older than the window is stale', window: 4, feed: [10, 6, 7], want: ['new', 'stale', 'new'] },
      { title: 'a jump past the window forgets nothing it should know', window: 4, feed: [1, 100, 1, 100, 99], want: ['new', 'new', 'duplicate', 'duplicate', 'new'] },
      // A hostile sequence number (2^53 - 1) must not make every later real event "too old".
      { title: 'one huge number poisons one slot, not the stream', window: 4, feed: [5, 2 ** 53 - 1, 6, 7, 8, 9, 9], want: ['new', 'new', 'new', 'stale', 'new', 'new', 'duplicate'] },
    ];
    for (const c of cases) {
      it(c.title, () => {
        const w = new SequenceWindow(c.window);
        expect(c.feed.map((s) => w.admit(s))).to.deep.equal(c.want);
      });
    }
  });

  it('remembers at most maxCores FreeSWITCH runs, forgetting the least recently seen', () => {
    const d = new EventDeduplicator(16, 2);
    expect(d.admit('core-a', 1)).to.equal('new');
    expect(d.admit('core-b', 1)).to.equal('new');
    expect(d.admit('core-a', 2)).to.equal('new'); // a is now the most recent
    expect(d.admit('core-c', 1)).to.equal('new'); // evicts b
    expect(d.coreCount).to.equal(2);
    expect(d.admit('core-a', 1)).to.equal('duplicate');
    expect(d.admit('core-b', 1)).to.equal('new'); // b was forgotten
  });

  it('drops a duplicate delivered by a second connection (marbles)', () => {
    const clock = newClock();
    const [create, answer] = onNode([channelEvent(clock, 'CHANNEL_CREATE', 'x'), channelEvent(clock, 'CHANNEL_ANSWER', 'x')]);
    // Same Core-UUID + Event-Sequence, seen on the outbound socket's node tag.
    const createAgain = { node: 'fs1-outbound', event: create!.event };
    new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    }).run(({ hot, expectObservable }) => {
      const source = hot('-c-C-a-a-|', { c: create!, C: createAgain, a: answer! });
      expectObservable(source.pipe(dedupEvents(), map((e) => e.event.name))).toBe('-c---a---|', { c: 'CHANNEL_CREATE', a: 'CHANNEL_ANSWER' });
    });
  });

  it('passes events without Core-UUID or Event-Sequence', async () => {
    const event = { name: 'HEARTBEAT', format: 'plain' as const, headers: { 'Event-Name': 'HEARTBEAT' } };
    const out = await firstValueFrom(from([{ node: 'n', event }, { node: 'n', event }]).pipe(dedupEvents(), toArray()));
    expect(out).to.have.length(2);
  });

  (tracesAvailable() ? it : it.skip)('merging the inbound and both outbound captures yields each event once', async () => {
    const scenario = 'consent-bridge-coach';
    const inbound = traceEvents(scenario, 'watch-json');
    const consent = traceEvents(scenario, 'consent-socket');
    const coach = traceEvents(scenario, 'coach-socket');
    const all = interleaveBySequence(inbound, consent, coach);
    const unique = new Set(all.map((e) => `${e.headers['Core-UUID']}/${e.headers['Event-Sequence']}`));
    const stats = newDedupStats();
    const out = await firstValueFrom(from(tagged(all)).pipe(dedupEvents({ stats }), toArray()));
    expect(out).to.have.length(unique.size);
    expect(unique.size).to.be.lessThan(all.length); // the captures really overlap
    expect(stats).to.deep.equal({ passed: unique.size, duplicates: all.length - unique.size, stale: 0 });
  });
});
