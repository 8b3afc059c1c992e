// A key press the inbound table keeps (until the channel is destroyed) must not keep the event-plain header block it came in (V8 keeps string slices as views of their parent).

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { InboundDigits } from '../../src/calls/inbound-digits';
import { decodePlain } from '../../src/esl/event';
import type { EslEvent } from '../../src/esl/frame';
import { heapAfterGc } from '../support/heap';

describe('inbound digits from event-plain', () => {
  it('keep channel ids of their own: 200 channels pressing a key in 40 KB header blocks leave well under 1 MB behind', async () => {
    const pad = 'x'.repeat(40_000);
    const uuidOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const bodies = Array.from({ length: 200 }, (_, i) =>
      Buffer.from(`Event-Name: DTMF\nCore-UUID: 11111111-2222-4333-8444-555555555555\nUnique-ID: ${uuidOf(i)}\nDTMF-Digit: 1\nvariable_pad: ${pad}\n\n`),
    );
    const events$ = new Subject<EslEvent>();
    const digits = new InboundDigits(events$);
    const before = heapAfterGc();
    for (const body of bodies) events$.next(decodePlain(body));
    const grown = heapAfterGc() - before;
    // The keys are kept: every channel's press is still there to be asked for.
    for (const i of [0, 7, 199]) expect(await digits.seen(uuidOf(i), '1', 0, 0)).to.equal(true);
    // Each block is ~40 KB (8 MB in all): a kept slice would keep its block.
    expect(grown, `${grown} bytes kept for 200 channels' key presses`).to.be.below(1_000_000);
    digits.stop();
  });

  it('ignores a Unique-ID longer than any channel id (it could never be asked for)', async () => {
    const events$ = new Subject<EslEvent>();
    const digits = new InboundDigits(events$);
    const long = 'a'.repeat(65);
    events$.next(decodePlain(Buffer.from(`Event-Name: DTMF\nUnique-ID: ${long}\nDTMF-Digit: 1\n\n`)));
    expect(await digits.seen(long, '1', 0, 0)).to.equal(false);
    digits.stop();
  });
});
