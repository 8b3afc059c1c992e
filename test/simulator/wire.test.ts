// Byte-exactness of the simulator's encoders against every frame of every captured trace.

import { expect } from 'chai';
import { FrameParser } from '../../src/esl/parser';
import { ALL_TRACES, readTrace, tracesAvailable } from '../support/traces';
import { apiResponse, commandReply, connectReply, fsUrlEncode, jsonEvent, lingerNotice, outboundGoodbye, plainEvent } from '../../src/simulator/wire';

/** Raw inner header lines of a plain event body (before the blank line). */
function rawPlainHeaders(body: Buffer): Array<[string, string]> {
  const text = body.toString('utf8');
  const end = text.indexOf('\n\n');
  return text
    .slice(0, end)
    .split('\n')
    .map((line): [string, string] => {
      const colon = line.indexOf(': ');
      return [line.slice(0, colon), line.slice(colon + 2)];
    });
}

/** The members of a flat all-string JSON object in order, duplicates kept (HANGUP_COMPLETE has two Hangup-Cause). */
function jsonPairs(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /"((?:[^"\\]|\\.)*)":("(?:[^"\\]|\\.)*"|\[[^\]]*\])/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const value = JSON.parse(m[2] ?? '""') as string | string[];
    out.push([JSON.parse(`"${m[1]}"`) as string, Array.isArray(value) ? `ARRAY::${value.join('|:')}` : value]);
  }
  return out;
}

describe('simulator wire encoding', function () {
  before(function () {
    if (!tracesAvailable()) this.skip();
  });

  it('re-encodes every header value of every plain event in all traces to identical bytes', () => {
    let checked = 0;
    for (const [scenario, connection] of ALL_TRACES) {
      const frames = new FrameParser().push(readTrace(scenario, connection).rx);
      for (const f of frames) {
        if (f.headers['Content-Type'] !== 'text/event-plain' || f.body === undefined) continue;
        for (const [name, encoded] of rawPlainHeaders(f.body)) {
          if (name === 'Content-Length') continue;
          const decoded = decodeURIComponent(encoded);
          expect(fsUrlEncode(decoded), `${scenario}/${connection} ${name}`).to.equal(encoded);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(10000);
  });

  it('frames plain and json events byte for byte like the traces', () => {
    let plain = 0;
    let json = 0;
    for (const [scenario, connection] of ALL_TRACES) {
      const trace = readTrace(scenario, connection);
      const frames = new FrameParser().push(trace.rx);
      let offset = 0;
      for (const f of frames) {
        const entry = trace.log.filter((e) => e.dir === '<')[offset++];
        const original = trace.rx.subarray(entry?.offset ?? 0, (entry?.offset ?? 0) + (entry?.length ?? 0));
        const type = f.headers['Content-Type'];
        if (type === 'text/event-plain' && f.body !== undefined) {
          const text = f.body.toString('utf8');
          const blank = text.indexOf('\n\n');
          const headers = rawPlainHeaders(f.body)
            .filter(([n]) => n !== 'Content-Length')
            .map(([n, v]): [string, string] => [n, decodeURIComponent(v)]);
          const hasBody = rawPlainHeaders(f.body).some(([n]) => n === 'Content-Length');
          const body = hasBody ? text.slice(blank + 2) : undefined;
          expect(plainEvent(headers, body).equals(original), `${scenario}/${connection} plain #${offset}`).to.equal(true);
          plain++;
        } else if (type === 'text/event-json' && f.body !== undefined) {
          const pairs = jsonPairs(f.body.toString('utf8'));
          const body = pairs.find(([k]) => k === '_body')?.[1];
          const headers = pairs.filter(([k]) => k !== '_body' && !(body !== undefined && k === 'Content-Length'));
          expect(jsonEvent(headers, body).equals(original), `${scenario}/${connection} json #${offset}`).to.equal(true);
          json++;
        } else if (type === 'command/reply' && f.headers['Reply-Text'] !== undefined && f.headers['Event-Name'] === undefined) {
          const extra = Object.entries(f.headers).filter(([k]) => k !== 'Content-Type' && k !== 'Reply-Text');
          expect(commandReply(f.headers['Reply-Text'] ?? '', extra).equals(original)).to.equal(true);
        } else if (type === 'api/response') {
          expect(apiResponse(f.body?.toString('utf8') ?? '').equals(original)).to.equal(true);
        }
      }
    }
    expect(plain).to.be.greaterThan(100);
    expect(json).to.be.greaterThan(100);
  });

  it('encodes the characters the traces show: ":" "@" " " "+" yes, "/" "," no, UTF-8 per byte', () => {
    expect(fsUrlEncode('sip:1000@127.0.0.1')).to.equal('sip%3A1000%40127.0.0.1');
    expect(fsUrlEncode('+49 30/1,2')).to.equal('%2B49%2030/1,2');
    expect(fsUrlEncode('Jürgen')).to.equal('J%C3%BCrgen');
  });

  it('writes the outbound connect reply, linger notice and goodbye exactly as consent-socket.rx', () => {
    const trace = readTrace('consent-bridge-coach', 'consent-socket');
    const entries = trace.log.filter((e) => e.dir === '<');
    const first = entries[0];
    const connect = trace.rx.subarray(0, first?.length ?? 0);
    const lines = connect.toString('utf8').split('\n');
    const tail = lines.indexOf('Content-Type: command/reply');
    const data = lines.slice(0, tail).map((l): [string, string] => {
      const colon = l.indexOf(': ');
      return [l.slice(0, colon), decodeURIComponent(l.slice(colon + 2))];
    });
    expect(connectReply(data).equals(connect)).to.equal(true);
    const uuid = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
    const linger = entries[entries.length - 2];
    const bye = entries[entries.length - 1];
    expect(lingerNotice(uuid, 'sofia/internal/1000@127.0.0.1').equals(trace.rx.subarray(linger?.offset, (linger?.offset ?? 0) + (linger?.length ?? 0)))).to.equal(true);
    expect(outboundGoodbye(uuid).equals(trace.rx.subarray(bye?.offset, (bye?.offset ?? 0) + (bye?.length ?? 0)))).to.equal(true);
  });
});
