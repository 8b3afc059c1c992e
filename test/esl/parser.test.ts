// Framing against captured FreeSWITCH bytes: whole, byte by byte, split at every offset.

import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { FrameParser, safeDecode } from '../../src/esl/parser';
import { frameToEvent } from '../../src/esl/event';
import { EslLimitError, EslProtocolError } from '../../src/esl/errors';
import type { EslFrame } from '../../src/esl/frame';
import { ALL_TRACES, readTrace } from '../support/traces';
// modesl ships no types; its parser is our oracle for what each frame means.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const ModeslParser = require('modesl/lib/esl/Parser');

function parseAll(bytes: Buffer, chunkSize = bytes.length): EslFrame[] {
  const parser = new FrameParser();
  const frames: EslFrame[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) frames.push(...parser.push(bytes.subarray(i, i + chunkSize)));
  expect(parser.buffered, 'bytes left over').to.equal(0);
  return frames;
}

/** What a frame means, for comparing two parses: type, reply, event name, body. */
function digest(frame: EslFrame): string {
  const event = frameToEvent(frame);
  return JSON.stringify([frame.headers, frame.body?.toString('base64'), event?.name, event?.body]);
}

describe('FrameParser on the captured traces', () => {
  for (const [scenario, connection] of ALL_TRACES) {
    describe(`${scenario}/${connection}`, () => {
      const trace = readTrace(scenario, connection);
      const received = trace.log.filter((e) => e.dir === '<');

      it('finds every frame the index lists, at the same byte offsets', () => {
        expect(parseAll(trace.rx)).to.have.length(received.length);
        // Feeding exactly the bytes of each indexed frame must complete exactly that frame.
        const parser = new FrameParser();
        received.forEach((entry, i) => {
          const frames = parser.push(trace.rx.subarray(entry.offset!, entry.offset! + entry.length!));
          expect(frames, `frame ${i} at byte ${entry.offset}`).to.have.length(1);
          const event = frameToEvent(frames[0]);
          const summary = entry.summary.split(' ')[0];
          expect(event ? event.name : frames[0].headers['Content-Type'], `frame ${i}`).to.equal(summary);
        });
      });

      it('yields the same frames when fed one byte at a time', () => {
        const whole = parseAll(trace.rx).map(digest);
        const bytewise = parseAll(trace.rx, 1).map(digest);
        expect(bytewise).to.deep.equal(whole);
      });

      it('agrees with modesl’s parser on every event and reply', () => {
        const socket = new EventEmitter();
        const theirs: string[] = [];
        const parser = new ModeslParser(socket);
        parser.on('esl::event', (event: { getHeader(n: string): string; getBody(): string }) => {
          theirs.push(`${event.getHeader('Event-Name') ?? event.getHeader('Content-Type')}|${event.getHeader('Reply-Text') ?? ''}`);
        });
        socket.emit('data', trace.rx);
        const ours = parseAll(trace.rx).map((frame) => {
          const event = frameToEvent(frame);
          return `${event?.name ?? frame.headers['Event-Name'] ?? frame.headers['Content-Type']}|${frame.headers['Reply-Text'] ?? ''}`;
        });
        expect(ours).to.deep.equal(theirs);
      });
    });
  }

  it('yields the same frames split in two at every byte offset (protocol, auth-bad, an outbound socket)', () => {
    const samples = [
      readTrace('protocol', 'protocol').rx,
      readTrace('protocol', 'auth-bad').rx,
      // connect reply (a 6.7 KB URL-encoded header block), myevents, linger, the first sendmsg reply
      readTrace('consent-bridge-coach', 'consent-socket').rx.subarray(0, 6922),
    ];
    for (const bytes of samples) {
      const whole = parseAll(bytes);
      const heads = whole.map((f) => JSON.stringify(f.headers));
      for (let cut = 1; cut < bytes.length; cut++) {
        const parser = new FrameParser();
        const frames = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
        const same =
          frames.length === whole.length &&
          frames.every((f, i) => JSON.stringify(f.headers) === heads[i] && (f.body === undefined ? whole[i].body === undefined : whole[i].body !== undefined && f.body.equals(whole[i].body!)));
        if (!same) expect.fail(`different frames when cut at byte ${cut}`);
      }
    }
  });

  it('parses several frames arriving in one chunk, with bodies', () => {
    const bytes = readTrace('protocol', 'protocol').rx;
    const frames = new FrameParser().push(bytes);
    expect(frames.map((f) => f.headers['Content-Type'])).to.deep.equal([
      'auth/request', 'command/reply', 'api/response', 'api/response', 'api/response', 'api/response',
      'command/reply', 'command/reply', 'text/event-plain', 'command/reply', 'command/reply', 'text/event-json',
      'command/reply', 'command/reply', 'command/reply', 'text/disconnect-notice',
    ]);
    expect(frames[3].body!.toString()).to.equal('{"row_count": 0}\n');
    expect(frames[4].body!.toString()).to.equal('-ERR no_such_command Command not found!\n');
  });

  it('gives a frame that may be kept (api reply, notice) a copy of its body, an event frame a view it decodes at once', () => {
    const bytes = readTrace('protocol', 'protocol').rx;
    // A receive chunk of its own, as a socket read gives (Buffer.from would take a slice of Node's shared pool).
    const chunk = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(chunk);
    const frames = new FrameParser().push(chunk);
    const sharesChunk = (f: EslFrame) => f.body!.buffer === chunk.buffer;
    const kept = frames.filter((f) => f.body && !String(f.headers['Content-Type']).startsWith('text/event-'));
    const events = frames.filter((f) => String(f.headers['Content-Type']).startsWith('text/event-'));
    expect(kept.length).to.be.greaterThan(2);
    expect(kept.filter(sharesChunk), 'kept frames pinning the 64 KiB receive chunk').to.deep.equal([]);
    expect(events).to.have.length(2);
    expect(events.every(sharesChunk), 'event bodies copied for nothing').to.equal(true);
    // Decoded, an event owns its strings: overwriting the chunk afterwards changes nothing.
    const decoded = events.map((f) => frameToEvent(f)!);
    const before = JSON.stringify(decoded);
    chunk.fill(0x41);
    expect(JSON.stringify(decoded)).to.equal(before);
  });
});

describe('event decoding', () => {
  const frames = parseAll(readTrace('protocol', 'protocol').rx);

  it('reads a plain BACKGROUND_JOB: URL-decoded headers and its inner body by byte length', () => {
    const event = frameToEvent(frames[8])!;
    expect(event.name).to.equal('BACKGROUND_JOB');
    expect(event.format).to.equal('plain');
    expect(event.headers['FreeSWITCH-IPv6']).to.equal('fd00::2');
    expect(event.headers['Event-Date-Local']).to.equal('2026-11-22 11:10:00');
    expect(event.headers['Job-UUID']).to.equal('eb9a398c-8685-495e-ba44-1a7fcc533c47');
    expect(event.body).to.match(/^UP 0 years/);
    expect(Buffer.byteLength(event.body!)).to.equal(Number(event.headers['Content-Length']));
  });

  it('reads a json BACKGROUND_JOB with its _body', () => {
    const event = frameToEvent(frames[11])!;
    expect(event.format).to.equal('json');
    expect(event.headers['Job-Command']).to.equal('version');
    expect(event.body).to.equal('FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n');
  });

  it('decodes the connect reply’s URL-encoded outer headers (channel data)', () => {
    const [reply] = parseAll(readTrace('consent-bridge-coach', 'consent-socket').rx);
    expect(reply.headers['Content-Type']).to.equal('command/reply');
    expect(reply.headers['Reply-Text']).to.equal('+OK\n');
    expect(reply.headers['Event-Name']).to.equal('CHANNEL_DATA');
    expect(reply.headers['Channel-Name']).to.equal('sofia/internal/1000@127.0.0.1');
    expect(reply.headers['variable_socket_resume']).to.equal('true');
  });

  it('counts Content-Length in bytes, not characters (UTF-8 caller names)', () => {
    const inner = 'Event-Name: CHANNEL_CREATE\nCaller-Caller-ID-Name: J%C3%BCrgen%20M%C3%BCller\n\n';
    const json = JSON.stringify({ 'Event-Name': 'DTMF', 'Caller-Caller-ID-Name': 'Jürgen Müller', 'DTMF-Digit': '1' });
    const wire = Buffer.concat([
      Buffer.from(`Content-Length: ${Buffer.byteLength(inner)}\nContent-Type: text/event-plain\n\n${inner}`),
      Buffer.from(`Content-Length: ${Buffer.byteLength(json)}\nContent-Type: text/event-json\n\n${json}`),
    ]);
    const events = parseAll(wire, 7).map((f) => frameToEvent(f)!);
    expect(events.map((e) => e.headers['Caller-Caller-ID-Name'])).to.deep.equal(['Jürgen Müller', 'Jürgen Müller']);
    expect(events[1].headers['DTMF-Digit']).to.equal('1');
  });
});

describe('bad input never crashes the parser', () => {
  it('keeps a value with a stray % as it came (modesl’s decodeURIComponent would throw)', () => {
    expect(() => decodeURIComponent('100%')).to.throw(URIError);
    expect(safeDecode('100%')).to.equal('100%');
    const [frame] = new FrameParser().push(Buffer.from('Content-Type: command/reply\nReply-Text: +OK 100% sure %zz\n\n'));
    expect(frame.headers['Reply-Text']).to.equal('+OK 100% sure %zz');
    const inner = 'Event-Name: CUSTOM\nx: %E0%A4%A\n\n';
    const event = frameToEvent({ headers: { 'Content-Type': 'text/event-plain' }, body: Buffer.from(inner) })!;
    expect(event.headers.x).to.equal('%E0%A4%A');
  });

  it('reports a frame without Content-Type as a desync', () => {
    expect(() => new FrameParser().push(Buffer.from('hello world\n\n'))).to.throw(EslProtocolError, /without Content-Type/);
  });

  it('reports a bad or oversize Content-Length', () => {
    expect(() => new FrameParser().push(Buffer.from('Content-Type: api/response\nContent-Length: 12x\n\n'))).to.throw(
      EslProtocolError,
      /bad Content-Length/,
    );
    const parser = new FrameParser({ maxFrameBytes: 1000 });
    expect(() => parser.push(Buffer.from('Content-Type: api/response\nContent-Length: 5000\n\n'))).to.throw(EslProtocolError, /exceeds/);
  });

  it('bounds the bytes it buffers while waiting for a blank line (garbage stream)', () => {
    const parser = new FrameParser({ maxFrameBytes: 4096 });
    const garbage = Buffer.alloc(1024, 'x');
    expect(() => {
      for (let i = 0; i < 10; i++) parser.push(garbage);
    }).to.throw(EslLimitError, /larger than 4096/);
    expect(parser.buffered).to.equal(0);
  });

  it('holds a truncated frame until the rest arrives, and resumes correctly after a reset', () => {
    const parser = new FrameParser();
    expect(parser.push(Buffer.from('Content-Type: api/response\nContent-Length: 10\n\n12345'))).to.deep.equal([]);
    expect(parser.buffered).to.equal(5);
    const [frame] = parser.push(Buffer.from('67890Content-Type: command/reply\nReply-Text: +OK\n\n'));
    expect(frame.body!.toString()).to.equal('1234567890');
    parser.reset();
    expect(parser.push(Buffer.from('Content-Type: auth/request\n\n'))).to.have.length(1);
  });

  it('event-json: members that are not strings become strings, a _body member becomes the body (also written with \\u escapes), more than 4096 members are refused', () => {
    const json = (text: string) => frameToEvent({ headers: { 'Content-Type': 'text/event-json' }, body: Buffer.from(text) })!;
    const odd = json('{"Event-Name":"CUSTOM","n":5,"b":true,"o":{"x":1},"z":null,"s":"text"}');
    expect(odd.headers).to.deep.equal({ 'Event-Name': 'CUSTOM', n: '5', b: 'true', o: '{"x":1}', z: 'null', s: 'text' });
    const plainBody = json('{"Event-Name":"BACKGROUND_JOB","_body":"+OK done\\n"}');
    expect([plainBody.body, plainBody.headers]).to.deep.equal(['+OK done\n', { 'Event-Name': 'BACKGROUND_JOB' }]);
    const escaped = json('{"Event-Name":"BACKGROUND_JOB","\\u005fbody":"+OK"}');
    expect([escaped.body, escaped.headers]).to.deep.equal(['+OK', { 'Event-Name': 'BACKGROUND_JOB' }]);
    const numeric = json('{"Event-Name":"BACKGROUND_JOB","_body":42}');
    expect(numeric.body).to.equal('42');
    // "_body" inside a value is not a member.
    const inValue = json('{"Event-Name":"CUSTOM","note":"the _body is here"}');
    expect([inValue.body, inValue.headers.note]).to.deep.equal([undefined, 'the _body is here']);
    const many = '{"Event-Name":"CUSTOM",' + Array.from({ length: 4096 }, (_, i) => `"k${i}":"v"`).join(',') + '}';
    expect(() => json(many)).to.throw(EslLimitError, /more than 4096 members/);
  });

  it('rejects event-json that is not JSON with a typed error', () => {
    expect(() => frameToEvent({ headers: { 'Content-Type': 'text/event-json' }, body: Buffer.from('{nope') })).to.throw(EslProtocolError);
  });
});
