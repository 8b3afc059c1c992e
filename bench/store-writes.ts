// The database share of the pipeline bench, alone: the writes the daemon makes per call, applied
// the way the write queue applies them (one after the other, each awaited), on an in-memory
// SQLite (BENCH_MYSQL_URL=mysql://… for MariaDB/MySQL). Prints CPU time per call and SQL
// statements per call, so store changes can be compared without the ESL side's noise.
// With BENCH_EVIDENCE_ROWS=n, each call also gets n evidence rows, applied one by one and then,
// in the same run, in transactions of five (what the write queue does with evidence rows that
// wait together, e.g. a recording start's setvars and uuid_record).

import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createStoreKnex, EvidenceKeyring, migrateLatest, StoreRepository, storeTables, type CallUpsert } from '../src/store';
import { dropPrefixedTables } from '../test/store/test-backends';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MYSQL = process.env.BENCH_MYSQL_URL;
/** Evidence rows a handled call gets before its end (0: calls only seen, as in the pipeline bench). */
const HANDLED_ROWS = Number(process.env.BENCH_EVIDENCE_ROWS ?? 0);

function row(callId: string, i: number, stage: 0 | 1 | 2): CallUpsert {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  return {
    callId,
    node: 'bench',
    legs: [
      { uuid: callId, role: 'caller', channel: `sofia/internal/${100_000 + i}@10.0.0.1`, extension: null, answeredAt: stage > 0 ? t(2) : null, hungupAt: stage > 1 ? t(30) : null, hangupCause: stage > 1 ? 'NORMAL_CLEARING' : null },
      ...(stage > 0 ? [{ uuid: `${callId}-b`, role: 'agent', channel: 'sofia/internal/5001@10.0.0.2', extension: '5001', answeredAt: t(2), hungupAt: stage > 1 ? t(30) : null, hangupCause: stage > 1 ? 'NORMAL_CLEARING' : null }] : []),
    ],
    caller: String(100_000 + i),
    destination: '5001',
    agentExtension: stage > 0 ? '5001' : null,
    group: null,
    direction: 'inbound',
    startedAt: t(0),
    answeredAt: stage > 0 ? t(2) : null,
    endedAt: stage > 1 ? t(30) : null,
    hangupCause: stage > 1 ? 'NORMAL_CLEARING' : null,
  };
}

/** Rows per evidence transaction in the runs after the first (1: one by one). */
const RUN = 5;

async function round(repository: StoreRepository, perTransaction: number): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const callId = randomUUID();
    await repository.upsertCall(row(callId, i, 0));
    await repository.upsertCall(row(callId, i, 1));
    for (let e = 0; e < HANDLED_ROWS; e += perTransaction) {
      // A batch of one is a plain append (SealedLog.appendBatch).
      const rows = Array.from({ length: Math.min(perTransaction, HANDLED_ROWS - e) }, (_, k) => ({
        callId,
        kind: 'consent_prompt',
        detail: { digit: String(e + k), caller: String(100_000 + i) },
        options: { writeId: randomUUID() },
      }));
      await repository.appendEvidenceBatch(rows);
    }
    await repository.upsertCall(row(callId, i, 2));
    await repository.closeEvidence(callId, randomUUID());
  }
  const d = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (d.user + d.system) / 1000 };
}

async function main(): Promise<void> {
  const prefix = MYSQL ? `cwb${randomBytes(3).toString('hex')}_` : '';
  const tables = storeTables(prefix);
  const knex = MYSQL ? createStoreKnex({ client: 'mysql2', url: MYSQL }) : createStoreKnex({ client: 'better-sqlite3', filename: ':memory:' });
  try {
    await migrateLatest(knex, tables);
    const keys = new EvidenceKeyring('k1', { k1: `hex:${randomBytes(32).toString('hex')}` });
    const repository = new StoreRepository(knex, { tablePrefix: prefix, sealing: { keys } });
    let statements = 0;
    knex.on('query', () => statements++);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const measure = async (perTransaction: number): Promise<{ statements: number; cpuUs: number; wallUs: number }> => {
      await round(repository, perTransaction); // warm-up
      statements = 0;
      const cpu: number[] = [];
      const wall: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const x = await round(repository, perTransaction);
        cpu.push(x.cpuMs);
        wall.push(x.ms);
      }
      return { statements: statements / (CALLS * ROUNDS), cpuUs: (median(cpu) * 1000) / CALLS, wallUs: (median(wall) * 1000) / CALLS };
    };
    const line = (m: { statements: number; cpuUs: number; wallUs: number }) =>
      `${m.statements.toFixed(1)} statements per call, median ${m.cpuUs.toFixed(0)} µs CPU and ${m.wallUs.toFixed(0)} µs wall per call`;
    const single = await measure(1);
    console.log(`store writes (${MYSQL ? 'MariaDB/MySQL' : 'SQLite :memory:'}), ${CALLS} calls × ${ROUNDS} rounds, ${HANDLED_ROWS} evidence rows before each call's end: ${line(single)}`);
    if (HANDLED_ROWS > 1) {
      const runs = await measure(RUN);
      console.log(`  the same with the evidence rows in transactions of ${RUN}: ${line(runs)} (${(runs.cpuUs / single.cpuUs).toFixed(2)}× the CPU, ${(runs.wallUs / single.wallUs).toFixed(2)}× the wall time of one by one)`);
    }
  } finally {
    if (MYSQL) await dropPrefixedTables(knex, prefix);
    await knex.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
