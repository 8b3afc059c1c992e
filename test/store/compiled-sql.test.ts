// Writes compiled once per shape: the same SQL knex builds, each value at its own `?`, and nothing but named values bound.

import { expect } from 'chai';
import { Knex } from 'knex';
import { CompiledWrites, named } from '../../src/store/compiled-sql';
import { createStoreKnex } from '../../src/store/store-knex';

describe('CompiledWrites', function () {
  let knex: Knex;
  let sql: string[];
  beforeEach(async function () {
    knex = createStoreKnex({ client: 'better-sqlite3', filename: ':memory:' });
    await knex.schema.createTable('t', (t) => {
      t.string('id').primary();
      t.string('a');
      t.integer('b');
      t.string('c');
    });
    sql = [];
    knex.on('query', (q: { sql: string }) => sql.push(q.sql));
  });
  afterEach(async function () {
    await knex.destroy();
  });

  it('runs the SQL knex builds for the shape, with each value at its place, and builds it once', async function () {
    const writes = new CompiledWrites();
    let built = 0;
    const upsert = (row: { id: string; a: string | null; b: number }) =>
      writes.run(knex, 'upsert', row, (value) => {
        built++;
        return knex('t').insert(named(row, value)).onConflict('id').merge({ b: value('b'), a: value('a') });
      });
    await upsert({ id: 'x', a: 'first', b: 1 });
    await upsert({ id: 'y', a: null, b: 2 });
    await upsert({ id: 'x', a: 'second', b: 3 });
    expect(built).to.equal(1);
    expect(sql).to.deep.equal(Array(3).fill(knex('t').insert({ id: 'x', a: 'a', b: 1 }).onConflict('id').merge({ b: 1, a: 'a' }).toSQL().sql));
    expect(await knex('t').orderBy('id')).to.deep.equal([
      { id: 'x', a: 'second', b: 3, c: null },
      { id: 'y', a: null, b: 2, c: null },
    ]);
    await writes.insert(knex, 't', { c: 'z', id: 'w' });
    expect(await knex('t').where({ id: 'w' })).to.deep.equal([{ id: 'w', a: null, b: null, c: 'z' }]);
  });

  it('refuses a builder that binds a literal, and a run that lacks a value', async function () {
    const writes = new CompiledWrites();
    let error = await writes.run(knex, 'literal', { id: 'x' }, (value) => knex('t').insert({ id: value('id'), a: 'literal' })).catch((e: Error) => e);
    expect(String(error)).to.match(/bound a literal/);
    await writes.run(knex, 'two', { id: 'x', a: 'a' }, (value) => knex('t').insert({ id: value('id'), a: value('a') }));
    error = await writes.run(knex, 'two', { id: 'y' }, () => knex('t')).catch((e: Error) => e);
    expect(String(error)).to.match(/no value for a/);
    expect(await knex('t').count({ n: '*' })).to.deep.equal([{ n: 1 }]);
  });

  it('keeps a bounded number of shapes', async function () {
    const writes = new CompiledWrites(2);
    let built = 0;
    const insert = (key: string, id: string) =>
      writes.run(knex, key, { id }, (value) => {
        built++;
        return knex('t').insert({ id: value('id') });
      });
    await insert('one', '1');
    await insert('two', '2');
    await insert('three', '3'); // evicts "one"
    await insert('two', '4');
    await insert('one', '5');
    expect(built).to.equal(4);
  });
});
