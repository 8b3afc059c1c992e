// inTransaction: commit, rollback, the connection given back, isolation from other writers — and the evidence path opens no knex transaction.

import { expect } from 'chai';
import { Knex } from 'knex';
import { createStoreKnex, migrateLatest, StoreRepository, storeTables, type StoreTables } from '../../src/store';
import { inTransaction } from '../../src/store/lean-transaction';
import { dropStoreSchema, selectBackends, type TestBackend } from './test-backends';

for (const backend of selectBackends()) {
  describe(`inTransaction on ${backend.name}`, function () {
    defineSuite(backend);
  });
}

function defineSuite(backend: TestBackend): void {
  let knex: Knex;
  let tables: StoreTables;
  const table = `${backend.tablePrefix}lean_tx`;

  before(async function () {
    tables = storeTables(backend.tablePrefix);
    knex = createStoreKnex(backend.dbOptions());
    await migrateLatest(knex, tables);
    await knex.schema.dropTableIfExists(table);
    await knex.schema.createTable(table, (t) => {
      t.string('id', 64).primary();
      t.integer('n');
    });
  });

  beforeEach(async function () {
    await knex(table).del();
  });

  after(async function () {
    await knex.schema.dropTableIfExists(table).catch(() => undefined);
    await dropStoreSchema(knex, tables);
    await backend.cleanup();
  });

  it('commits what the work wrote and answers what it returned', async function () {
    const answer = await inTransaction(knex, async (tx) => {
      await tx(table).insert({ id: 'a', n: 1 });
      await tx(table).where({ id: 'a' }).update({ n: tx.raw('?? + 1', ['n']) });
      return (await tx(table).where({ id: 'a' }).select('n')) as Array<{ n: number }>;
    });
    expect(answer.map((r) => Number(r.n))).to.deep.equal([2]);
    expect((await knex(table).select('id', 'n')).map((r: { id: string; n: number }) => [r.id, Number(r.n)])).to.deep.equal([['a', 2]]);
  });

  it('rolls everything back and rethrows the work\'s error; the connection goes back to the pool', async function () {
    const failure = new Error('the second write fails');
    const thrown = await inTransaction(knex, async (tx) => {
      await tx(table).insert({ id: 'b', n: 1 });
      await tx(table).insert({ id: 'c', n: 1 });
      throw failure;
    }).catch((e: unknown) => e);
    expect(thrown).to.equal(failure);
    expect(await knex(table).select('id')).to.deep.equal([]);
    // A failed statement (duplicate key) rolls back the earlier one too.
    const duplicate = await inTransaction(knex, async (tx) => {
      await tx(table).insert({ id: 'd', n: 1 });
      await tx(table).insert({ id: 'd', n: 2 });
    }).catch((e: unknown) => e);
    expect(duplicate).to.be.instanceOf(Error);
    expect(await knex(table).select('id')).to.deep.equal([]);
    // SQLite has one connection: had it not been released, these would wait for the pool's timeout.
    for (let i = 0; i < 5; i++) await inTransaction(knex, (tx) => tx(table).insert({ id: `e${i}`, n: i }));
    expect(await knex(table).count({ n: '*' }).then((r) => Number(r[0]!.n))).to.equal(5);
  });

  it('runs transactions one after another on the same rows without losing an update', async function () {
    await knex(table).insert({ id: 'counter', n: 0 });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        inTransaction(knex, async (tx) => {
          await tx(table).where({ id: 'counter' }).update({ n: tx.raw('?? + 1', ['n']) });
        }),
      ),
    );
    const [row] = (await knex(table).where({ id: 'counter' }).select('n')) as Array<{ n: number }>;
    expect(Number(row!.n)).to.equal(20);
  });

  it('evidence appends, the agent counter and monitor modes open no knex transaction (each built a knex instance)', async function () {
    const repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
    // knex tags every query of its own transactions with the transaction's id.
    const queries: Array<{ sql: string; __knexTxId?: string }> = [];
    const listen = (q: { sql: string; __knexTxId?: string }) => queries.push(q);
    knex.on('query', listen);
    try {
      const callId = `lean-${Date.now().toString(36)}`;
      for (let i = 0; i < 5; i++) await repo.appendEvidence(callId, 'digit_pressed', { role: 'caller', digit: String(i) });
      await repo.closeEvidence(callId);
      expect(await repo.nextAgentCallNumber(`x${callId}`)).to.equal(1);
      expect(await repo.nextAgentCallNumber(`x${callId}`)).to.equal(2);
      await repo.startMonitorSession({ id: `m-${callId}`, supervisor: '2001', extension: '1001', mode: 'listen', startedAt: new Date() });
      expect(await repo.appendMonitorMode(`m-${callId}`, 'whisper', new Date())).to.equal(true);
      expect(queries.filter((q) => q.__knexTxId !== undefined).map((q) => q.sql)).to.deep.equal([]);
      // Still transactions: 5 appends, 2 counter steps, 1 monitor mode.
      expect(queries.filter((q) => q.sql === 'BEGIN;')).to.have.length(8);
      expect(queries.filter((q) => q.sql === 'COMMIT;')).to.have.length(8);
      const chain = await repo.listEvidence(callId);
      expect(chain.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      expect((await repo.verifyEvidence(callId)).ok).to.equal(true);
    } finally {
      knex.off('query', listen);
    }
  });
}
