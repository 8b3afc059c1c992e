// Segments: each transfer and each manual restart opens a new, separately named recording.

import { expect } from 'chai';
import { callSegments, manualPressesFromDigits } from '../../src/policies/call-segments';

describe('callSegments', () => {
  it('automatic modes: segment 1, then one more per transfer', () => {
    expect(callSegments([], [], false)).to.deep.equal({ number: 1, afterTransfer: false, manualOn: false, manualStopped: false });
    expect(callSegments([{ at: 5 }, { at: 9 }], [], false)).to.include({ number: 3, afterTransfer: true });
  });

  it('manual: start/stop/start/stop → segments 1 and 2; bouncing presses are ignored', () => {
    const presses = [
      { action: 'start', at: 1 },
      { action: 'start', at: 2 },
      { action: 'stop', at: 3 },
      { action: 'stop', at: 4 },
      { action: 'start', at: 5 },
    ] as const;
    expect(callSegments([], presses, true)).to.deep.equal({ number: 2, afterTransfer: false, manualOn: true, manualStopped: false });
  });

  it('manual: a transfer while recording continues into a new segment; while stopped it does not open one', () => {
    const on = callSegments([{ at: 5 }], [{ action: 'start', at: 1 }], true);
    expect(on).to.deep.equal({ number: 2, afterTransfer: true, manualOn: true, manualStopped: false });
    const off = callSegments(
      [{ at: 5 }],
      [
        { action: 'start', at: 1 },
        { action: 'stop', at: 2 },
        { action: 'start', at: 8 },
      ],
      true,
    );
    expect(off).to.deep.equal({ number: 2, afterTransfer: false, manualOn: true, manualStopped: false });
  });

  it('orders by time, not by list order', () => {
    const s = callSegments(
      [],
      [
        { action: 'stop', at: 20 },
        { action: 'start', at: 10 },
      ],
      true,
    );
    expect(s).to.include({ manualOn: false, manualStopped: true, number: 1 });
  });

  it('reads the record key as a toggle and ignores other digits', () => {
    const digits = [
      { digit: '*', at: 1 },
      { digit: '5', at: 2 },
      { digit: '*', at: 3 },
      { digit: '*', at: 4 },
    ];
    expect(manualPressesFromDigits(digits, '*')).to.deep.equal([
      { action: 'start', at: 1 },
      { action: 'stop', at: 3 },
      { action: 'start', at: 4 },
    ]);
  });
});
