// Writes compiled once per shape: the same SQL knex builds, each value at its own `?`, and nothing but named values bound.

import { expect } from 'chai';
import { Knex } from 'knex';
import { CompiledSql, named } from '../../src/store/compiled-sql';
import { createStoreKnex } from '../../src/store/store-knex';

describe('CompiledSql', function () {
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
    const writes = new CompiledSql();
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
    const writes = new CompiledSql();
    let error = await writes.run(knex, 'literal', { id: 'x' }, (value) => knex('t').insert({ id: value('id'), a: 'literal' })).catch((e: Error) => e);
    expect(String(error)).to.match(/bound a literal/);
    await writes.run(knex, 'two', { id: 'x', a: 'a' }, (value) => knex('t').insert({ id: value('id'), a: value('a') }));
    error = await writes.run(knex, 'two', { id: 'y' }, () => knex('t')).catch((e: Error) => e);
    expect(String(error)).to.match(/no value for a/);
    expect(await knex('t').count({ n: '*' })).to.deep.equal([{ n: 1 }]);
  });

  it('reads rows and counts changed rows as knex does, a value bound at several places', async function () {
    const writes = new CompiledSql();
    await knex('t').insert([
      { id: 'a', a: 'x', b: 1 },
      { id: 'b', a: 'x', b: 5 },
      { id: 'c', a: 'y', b: 3 },
    ]);
    const within = (a: string, lo: number) =>
      writes.rows(knex, 'within', { a, lo }, (value) =>
        knex('t').where({ a: value('a') }).andWhere((w) => w.where('b', '>=', value('lo')).orWhere('c', value('a'))).orderBy('b', 'desc').limit(1, { skipBinding: true }),
      );
    expect(await within('x', 0)).to.deep.equal([{ id: 'b', a: 'x', b: 5, c: null }]);
    expect(await within('y', 9)).to.deep.equal([]);
    const bump = (id: string, was: number) => writes.changes(knex, 'bump', { id, was }, (value) => knex('t').where({ id: value('id'), b: value('was') }).update({ b: value('was') }));
    expect(await bump('c', 3)).to.equal(1);
    expect(await bump('c', 4)).to.equal(0);
    expect(sql.filter((q) => q.startsWith('select'))).to.have.length(2);
  });

  it('keeps a bounded number of shapes', async function () {
    const writes = new CompiledSql(2);
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
