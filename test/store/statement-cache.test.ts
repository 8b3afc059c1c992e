// The SQLite connection keeps statements prepared by SQL text: reused, bounded, and still right after schema changes.

import { expect } from 'chai';
import { Knex } from 'knex';
import { cachePreparedStatements, createStoreKnex } from '../../src/store/store-knex';

describe('SQLite prepared-statement cache', function () {
  let knex: Knex;
  beforeEach(function () {
    knex = createStoreKnex({ client: 'better-sqlite3', filename: ':memory:' });
  });
  afterEach(async function () {
    await knex.destroy();
  });

  it('hands out the same statement for the same SQL, and evicts the least recently used past its size', function () {
    let prepared = 0;
    const conn = { pragma: () => undefined, prepare: (sql: string) => ({ sql, n: ++prepared }) };
    cachePreparedStatements(conn, 2);
    const a = conn.prepare('select 1');
    expect(conn.prepare('select 1')).to.equal(a);
    conn.prepare('select 2');
    conn.prepare('select 1'); // now the most recently used
    conn.prepare('select 3'); // evicts "select 2"
    expect(conn.prepare('select 1')).to.equal(a);
    expect(prepared).to.equal(3);
    conn.prepare('select 2');
    expect(prepared).to.equal(4);
  });

  it('is installed on the connection knex creates', async function () {
    const client = knex.client as { acquireConnection(): Promise<{ prepare(sql: string): unknown }>; releaseConnection(c: unknown): Promise<void> };
    const conn = await client.acquireConnection();
    try {
      expect(conn.prepare('select 1')).to.equal(conn.prepare('select 1'));
    } finally {
      await client.releaseConnection(conn);
    }
  });

  it('reads, writes, returning, nested transactions and rollbacks work through cached statements, also after ALTER TABLE', async function () {
    await knex.schema.createTable('t', (t) => t.string('a'));
    await knex('t').insert({ a: 'x' });
    expect(await knex('t').select('*')).to.deep.equal([{ a: 'x' }]);
    await knex.schema.alterTable('t', (t) => t.string('b'));
    expect(await knex('t').select('*')).to.deep.equal([{ a: 'x', b: null }]);
    expect(await knex('t').insert({ a: 'y', b: 'z' }).returning('*')).to.deep.equal([{ a: 'y', b: 'z' }]);
    await knex.transaction(async (trx) => {
      await trx('t').insert({ a: 'in-trx' });
      await trx.transaction(async (inner) => inner('t').insert({ a: 'nested' }));
      await trx.transaction(async (inner) => {
        await inner('t').insert({ a: 'rolled back' });
        throw new Error('undo');
      }).catch(() => undefined);
    });
    await knex.transaction(async (trx) => {
      await trx('t').insert({ a: 'rolled back' });
      throw new Error('undo');
    }).catch(() => undefined);
    expect((await knex('t').select('a').orderBy('a')).map((r: { a: string }) => r.a)).to.deep.equal(['in-trx', 'nested', 'x', 'y']);
  });
});
