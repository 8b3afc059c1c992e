// `make bench`, part 4: the least any daemon could take between the deciding event and
// `uuid_record` on this machine — a decider that does nothing but read the event from a socket,
// make a journal line durable (issue 8: no recording before its justification is fsync'd) and
// write the command. What part 3 measures for the whole daemon cannot go below this.
//
// The decider runs in this process; "FreeSWITCH" in a child process fires one event every GAP_MS
// (part 3's steady arrivals) and stamps it with the machine's clock; the decider takes the time
// at its `uuid_record` write, as part 3 does. First without the journal (the socket and the event
// loop alone), then with a 600-byte line appended and fsync'd per event, as the outbox does
// (O_APPEND, FileHandle.sync).

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stats, wallMs } from './latency';

const EVENTS = Number(process.env.BENCH_FLOOR_EVENTS ?? 400);
const GAP_MS = Number(process.env.BENCH_FLOOR_GAP_MS ?? 60);
/** About one evidence row as the outbox journals it. */
const LINE = Buffer.from(`${'x'.repeat(599)}\n`);

/** The FreeSWITCH side: fires the next event when the last command came back and GAP_MS has passed. */
function fire(port: number): void {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let sent = 0;
  const next = () => {
    if (sent++ === EVENTS) return socket.end();
    socket.write(`Event-Name: CHANNEL_BRIDGE\nUnique-ID: call-${sent}\nFired-At: ${wallMs()}\n\n`);
  };
  // One reply per event; the next event GAP_MS after each complete one (a reply may come in pieces).
  let replies = '';
  socket.on('data', (chunk: Buffer) => {
    replies += chunk.toString('latin1');
    let end: number;
    while ((end = replies.indexOf('\n\n')) !== -1) {
      replies = replies.slice(end + 2);
      setTimeout(next, GAP_MS);
    }
  });
  socket.on('connect', next);
}

/** One run of EVENTS events: the latency of each, fired → `uuid_record` written. */
async function decide(journal: string | undefined): Promise<number[]> {
  const file = journal === undefined ? undefined : await open(journal, 'a', 0o600);
  const latencies: number[] = [];
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    let text = '';
    socket.on('data', async (chunk: Buffer) => {
      text += chunk.toString('latin1');
      let end: number;
      while ((end = text.indexOf('\n\n')) !== -1) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        const fired = Number(/^Fired-At: (.*)$/m.exec(frame)![1]);
        const uuid = /^Unique-ID: (.*)$/m.exec(frame)![1];
        if (file) {
          await file.write(LINE);
          await file.sync();
        }
        socket.write(`api uuid_record ${uuid} start /recordings/${uuid}.wav\n\n`);
        latencies.push(wallMs() - fired);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const child = fork(__filename, ['--fire', String((server.address() as { port: number }).port)], { stdio: 'inherit' });
  await new Promise((resolve) => child.once('exit', resolve));
  server.close();
  await file?.close();
  return latencies;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'callwarden-bench-floor-'));
  try {
    console.log(
      `[floor] the least any daemon could take from the deciding event to uuid_record on this machine: read the event from a socket (FreeSWITCH's side in a child process), ` +
        `append a 600-byte line to a journal and fsync it, write uuid_record; ${EVENTS} events, one every ${GAP_MS} ms (part 3's steady arrivals)`,
    );
    const row = (name: string, values: number[]) => {
      const v = stats(values);
      console.log(`  ${name.padEnd(44)} p50 ${v.p50.toFixed(2).padStart(6)} ms  p99 ${v.p99.toFixed(2).padStart(6)} ms  max ${v.max.toFixed(2).padStart(7)} ms`);
      return v;
    };
    row('the socket and the event loop alone', await decide(undefined));
    const durable = row("with the journal's append + fsync", await decide(join(dir, 'journal')));
    console.log(
      `  so a p99 under 1 ms from the deciding event to uuid_record, with the justification fsync'd first (issue 8), is ${durable.p99 < 1 ? 'within' : 'out of'} reach of any daemon on this machine (p99 ${durable.p99.toFixed(2)} ms here)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--fire') fire(Number(process.argv[3]));
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
