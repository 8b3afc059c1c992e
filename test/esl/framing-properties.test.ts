// Property-based framing: any bytes, split anywhere, give the same frames as one read — or the same typed error — and limits hold.

import { expect } from 'chai';
import fc from 'fast-check';
import { EslError, EslLimitError } from '../../src/esl/errors';
import { frameToEvent } from '../../src/esl/event';
import type { EslFrame } from '../../src/esl/frame';
import { FrameParser, safeDecode } from '../../src/esl/parser';

type Outcome = { readonly frames: string[]; readonly error?: string };

function digest(frame: EslFrame): string {
  return JSON.stringify([Object.entries(frame.headers), frame.body?.toString('base64') ?? null]);
}

/** Feeds `bytes` split at `cuts`; stops at the first error, which must be one of ours. */
function parse(bytes: Buffer, cuts: readonly number[], options?: ConstructorParameters<typeof FrameParser>[0]): Outcome {
  const parser = new FrameParser(options);
  const frames: string[] = [];
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const to of [...points, bytes.length]) {
      if (to <= from) continue;
      for (const f of parser.push(bytes.subarray(from, to))) frames.push(digest(f));
      from = to;
    }
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(EslError);
    for (const f of (err as EslError).completedFrames ?? []) frames.push(digest(f));
    return { frames, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
  return { frames };
}

/** A well-formed frame with arbitrary header values (no LF) and an arbitrary body. */
const frameArb = fc
  .record({
    type: fc.constantFrom('command/reply', 'api/response', 'text/event-plain', 'text/event-json', 'text/disconnect-notice', 'auth/request'),
    headers: fc.dictionary(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
      fc.string({ unit: 'binary', maxLength: 30 }).map((v) => v.replace(/[\n\r]/g, ' ')),
      { maxKeys: 6 },
    ),
    body: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
  })
  .map(({ type, headers, body }) => {
    const lines = [`Content-Type: ${type}`];
    for (const [k, v] of Object.entries(headers)) if (k !== 'Content-Type' && k !== 'Content-Length') lines.push(`${k}: ${v}`);
    if (body !== undefined) lines.push(`Content-Length: ${body.length}`);
    return Buffer.concat([Buffer.from(`${lines.join('\n')}\n\n`, 'utf8'), Buffer.from(body ?? [])]);
  });

/** Bytes that look like ESL often enough to reach every state, and anything else. */
const streamArb = fc.oneof(
  fc.array(frameArb, { maxLength: 6 }).map((fs) => Buffer.concat(fs)),
  fc.array(fc.oneof(frameArb, fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), fc.constantFrom(Buffer.from('\n'), Buffer.from('\n\n'), Buffer.from('Content-Length: 3\n'), Buffer.from('%zz%'))), { maxLength: 8 }).map((parts) => Buffer.concat(parts)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);

describe('esl framing properties', () => {
  it('any bytes, any split: the same frames as one read, or the same typed error', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const whole = parse(bytes, []);
        expect(parse(bytes, cuts)).to.deep.equal(whole);
      }),
      { numRuns: 3000 },
    );
  });

  it('one byte at a time gives the same as one read', () => {
    fc.assert(
      fc.property(streamArb, (bytes) => {
        const all = Array.from({ length: bytes.length }, (_, i) => i);
        expect(parse(bytes, all)).to.deep.equal(parse(bytes, []));
      }),
      { numRuns: 500 },
    );
  });

  it('well-formed frames come back exactly, whatever the split', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, cuts) => {
        const out = parse(Buffer.concat(frames), cuts);
        expect(out.error).to.equal(undefined);
        expect(out.frames).to.have.length(frames.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('decoding what was framed never throws anything but a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('text/event-plain', 'text/event-json'), (body, type) => {
        try {
          frameToEvent({ headers: { 'Content-Type': type }, body: Buffer.from(body) });
        } catch (err) {
          expect(err).to.be.instanceOf(EslError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a header block past the byte or line limit is a typed EslLimitError at any split, and the parser holds no more than the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 400 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
        const block = Buffer.from(`Content-Type: command/reply\n${Array.from({ length: lines }, (_, i) => `h${i}:v`).join('\n')}\n\n`);
        const byBytes = parse(block, cuts, { maxHeaderBytes: 256 });
        expect(byBytes.error).to.match(/^EslLimitError: header block larger than 256 bytes/);
        const byLines = parse(block, cuts, { maxHeaders: 64 });
        expect(byLines.error).to.match(/^EslLimitError: more than 64 header lines/);
      }),
      { numRuns: 300 },
    );
    const parser = new FrameParser({ maxHeaderBytes: 1024 });
    expect(() => {
      for (let i = 0; i < 2000; i++) {
        parser.push(Buffer.from('x'));
        expect(parser.buffered).to.be.at.most(1024);
      }
    }).to.throw(EslLimitError);
  });

  it('the defaults admit the largest real blocks (a connect reply of ~7 KB / 178 lines, an event of ~14 KB / 333 lines) with room to spare', () => {
    const lines = Array.from({ length: 1500 }, (_, i) => `variable_v${i}: ${'x'.repeat(20)}`);
    const block = Buffer.from(`Content-Type: command/reply\n${lines.join('\n')}\n\n`);
    expect(block.length).to.be.below(64 * 1024);
    const [frame] = new FrameParser().push(block);
    expect(Object.keys(frame!.headers)).to.have.length(1501);
  });

  it('URL-decoding never throws and agrees with decodeURIComponent wherever that succeeds', () => {
    const escaped = fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`), fc.constantFrom('%', '%z', '%zz%', '%E0%A4', '%C3%BC')), { maxLength: 10 }).map((p) => p.join(''));
    fc.assert(
      fc.property(escaped, (value) => {
        const ours = safeDecode(value);
        let theirs: string;
        try {
          theirs = decodeURIComponent(value);
        } catch {
          expect(ours).to.equal(value); // left as it came
          return;
        }
        expect(ours).to.equal(theirs);
      }),
      { numRuns: 5000 },
    );
  });
});
