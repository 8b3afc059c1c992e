// Schema migrations as an in-code knex migration source, so they run from dist/ and on both engines unchanged.

import { Knex } from 'knex';
import { StoreTables } from './store-tables';

// Column widths chosen to stay under MySQL's index key limits with utf8mb4.
const ID = 64;
const TIME = 24; // toIso() output length

interface NamedMigration {
  name: string;
  up(knex: Knex, tables: StoreTables): Promise<void>;
  down(knex: Knex, tables: StoreTables): Promise<void>;
}

const MIGRATIONS: readonly NamedMigration[] = [
  {
    name: '0001-initial-schema',
    async up(knex, t) {
      await knex.schema.createTable(t.calls, (table) => {
        table.string('call_id', ID).primary();
        table.string('node', 128).nullable();
        table.text('legs', 'mediumtext').nullable(); // JSON array of leg descriptions
        table.string('caller', 255).nullable();
        table.string('destination', 255).nullable();
        table.string('agent_extension', 32).nullable();
        table.string('call_group', 64).nullable(); // `group` is reserved in SQL
        table.string('direction', 16).nullable();
        table.string('started_at', TIME).nullable();
        table.string('answered_at', TIME).nullable();
        table.string('ended_at', TIME).nullable();
        table.string('hangup_cause', 64).nullable();
        table.string('created_at', TIME).notNullable();
        table.string('updated_at', TIME).notNullable();
        table.index(['started_at'], `${t.calls}_started_idx`);
        table.index(['agent_extension'], `${t.calls}_agent_idx`);
      });
      await knex.schema.createTable(t.recordings, (table) => {
        table.string('id', ID).primary();
        table.string('call_id', ID).notNullable();
        table.text('file_path').notNullable();
        table.string('format', 8).notNullable();
        table.string('channels', 8).notNullable();
        table.integer('segment').notNullable().defaultTo(1);
        table.string('started_at', TIME).nullable();
        table.string('stopped_at', TIME).nullable();
        table.bigInteger('duration_ms').nullable();
        table.bigInteger('bytes').nullable();
        table.string('sha256', 64).nullable();
        table.string('policy', 64).nullable();
        table.string('status', 16).notNullable();
        table.string('retention_until', TIME).nullable();
        table.string('created_at', TIME).notNullable();
        table.string('updated_at', TIME).notNullable();
        table.index(['call_id'], `${t.recordings}_call_idx`);
        table.index(['retention_until'], `${t.recordings}_retention_idx`);
      });
      await knex.schema.createTable(t.consentEvents, (table) => {
        table.bigIncrements('id').primary(); // evidence is the largest table: ~10-20 rows per call, kept for years
        table.string('call_id', ID).notNullable();
        table.integer('seq').notNullable();
        table.string('at', TIME).notNullable();
        table.string('kind', 64).notNullable();
        table.text('detail', 'mediumtext').notNullable();
        table.string('prev_hash', 64).notNullable();
        table.string('hash', 64).notNullable();
        // Makes a replayed outbox entry a no-op instead of a second evidence row.
        table.string('write_id', ID).nullable();
        // A second row with the same seq would be a fork of the chain: the database refuses it.
        table.unique(['call_id', 'seq'], { indexName: `${t.consentEvents}_call_seq_uq` });
        table.unique(['write_id'], { indexName: `${t.consentEvents}_write_uq` });
      });
      await knex.schema.createTable(t.consentChainHeads, (table) => {
        // The last seq/hash per call, so a deleted *last* row is detectable too.
        table.string('call_id', ID).primary();
        table.integer('seq').notNullable();
        table.string('hash', 64).notNullable();
        table.string('updated_at', TIME).notNullable();
      });
      await knex.schema.createTable(t.monitorSessions, (table) => {
        table.string('id', ID).primary();
        table.string('supervisor', 128).notNullable();
        table.string('target_call_id', ID).nullable();
        table.string('extension', 32).notNullable();
        table.string('started_at', TIME).notNullable();
        table.string('ended_at', TIME).nullable();
        table.text('modes', 'mediumtext').notNullable(); // JSON [{ at, mode }]
        table.index(['extension'], `${t.monitorSessions}_ext_idx`);
      });
      await knex.schema.createTable(t.agentConsents, (table) => {
        table.increments('id').primary();
        table.string('extension', 32).notNullable();
        table.string('signed_at', TIME).notNullable();
        table.string('revoked_at', TIME).nullable();
        table.string('document_ref', 255).notNullable();
        table.index(['extension'], `${t.agentConsents}_ext_idx`);
      });
      await knex.schema.createTable(t.agentCallCounters, (table) => {
        table.string('extension', 32).primary();
        table.bigInteger('n').notNullable();
        table.string('updated_at', TIME).notNullable();
      });
    },
    async down(knex, t) {
      for (const name of [
        t.agentCallCounters,
        t.agentConsents,
        t.monitorSessions,
        t.consentChainHeads,
        t.consentEvents,
        t.recordings,
        t.calls,
      ]) {
        await knex.schema.dropTableIfExists(name);
      }
    },
  },
  {
    // Issue 8.3 / 10.4 / 11.6: rows sealed with HMAC under a key outside the database (key id per
    // row so keys rotate), a per-row salt for the personal values' commitments (destroyed on
    // erasure), sealed heads, and the access log as a second sealed log.
    name: '0010-sealed-evidence-and-access-log',
    async up(knex, t) {
      await knex.schema.alterTable(t.consentEvents, (table) => {
        table.string('key_id', 32).nullable();
        table.string('salt', 32).nullable();
      });
      await knex.schema.alterTable(t.consentChainHeads, (table) => {
        table.string('key_id', 32).nullable();
        table.string('mac', 64).nullable();
      });
      await knex.schema.createTable(t.accessLog, (table) => {
        table.bigIncrements('id').primary();
        table.string('chain', ID).notNullable();
        table.integer('seq').notNullable();
        table.string('at', TIME).notNullable();
        table.string('kind', 64).notNullable();
        table.text('detail', 'mediumtext').notNullable();
        table.string('prev_hash', 64).notNullable();
        table.string('hash', 64).notNullable();
        table.string('key_id', 32).nullable();
        table.string('salt', 32).nullable();
        table.string('write_id', ID).nullable();
        // Copies of sealed detail fields for `callwarden audit --user/--call`; verify compares them.
        table.string('user_name', 128).nullable();
        table.string('call_id', ID).nullable();
        table.unique(['chain', 'seq'], { indexName: `${t.accessLog}_chain_seq_uq` });
        table.unique(['write_id'], { indexName: `${t.accessLog}_write_uq` });
        table.index(['at'], `${t.accessLog}_at_idx`);
        table.index(['user_name'], `${t.accessLog}_user_idx`);
        table.index(['call_id'], `${t.accessLog}_call_idx`);
      });
      await knex.schema.createTable(t.accessLogHeads, (table) => {
        table.string('chain', ID).primary();
        table.integer('seq').notNullable();
        table.string('hash', 64).notNullable();
        table.string('key_id', 32).nullable();
        table.string('mac', 64).nullable();
        table.string('updated_at', TIME).notNullable();
      });
    },
    async down(knex, t) {
      await knex.schema.dropTableIfExists(t.accessLogHeads);
      await knex.schema.dropTableIfExists(t.accessLog);
      await knex.schema.alterTable(t.consentChainHeads, (table) => {
        table.dropColumn('key_id');
        table.dropColumn('mac');
      });
      await knex.schema.alterTable(t.consentEvents, (table) => {
        table.dropColumn('key_id');
        table.dropColumn('salt');
      });
    },
  },
  {
    // People of the back office (src/web/): users with scrypt hashes, personal API tokens
    // (only their SHA-256 is kept), every failed login and lockout. Accesses to recordings go
    // to the sealed access log of 0010, not to a table of their own.
    name: '0020-web-users',
    async up(knex, t) {
      await knex.schema.createTable(t.webUsers, (table) => {
        table.increments('id').primary();
        table.string('name', 64).notNullable();
        table.string('role', 16).notNullable();
        table.text('groups').notNullable(); // JSON array of group names
        table.string('extension', 32).nullable();
        table.string('password_hash', 255).notNullable();
        table.boolean('disabled').notNullable().defaultTo(false);
        table.string('created_by', 64).nullable();
        table.string('created_at', TIME).notNullable();
        table.string('updated_at', TIME).notNullable();
        table.unique(['name'], { indexName: `${t.webUsers}_name_uq` });
      });
      await knex.schema.createTable(t.webApiTokens, (table) => {
        table.increments('id').primary();
        table.integer('user_id').notNullable();
        table.string('label', 64).notNullable();
        table.string('token_sha256', 64).notNullable();
        table.string('created_at', TIME).notNullable();
        table.string('last_used_at', TIME).nullable();
        table.string('revoked_at', TIME).nullable();
        table.unique(['token_sha256'], { indexName: `${t.webApiTokens}_hash_uq` });
      });
      await knex.schema.createTable(t.webAuthEvents, (table) => {
        table.bigIncrements('id').primary();
        table.string('at', TIME).notNullable();
        table.string('kind', 32).notNullable(); // login_failed | locked_out | login | logout
        table.string('user_name', 64).nullable();
        table.string('address', 64).nullable();
        table.string('method', 16).nullable();
        table.index(['at'], `${t.webAuthEvents}_at_idx`);
      });
    },
    async down(knex, t) {
      for (const name of [t.webAuthEvents, t.webApiTokens, t.webUsers]) await knex.schema.dropTableIfExists(name);
    },
  },
  {
    // Who entered an agent's consent (or its revocation) into the system.
    name: '0021-agent-consent-entered-by',
    async up(knex, t) {
      await knex.schema.alterTable(t.agentConsents, (table) => {
        table.string('entered_by', 64).nullable();
        table.string('revoked_by', 64).nullable();
      });
    },
    async down(knex, t) {
      await knex.schema.alterTable(t.agentConsents, (table) => {
        table.dropColumn('revoked_by');
        table.dropColumn('entered_by');
      });
    },
  },
  {
    // Recording lifecycle (issue 11): the terms fixed on each recording when it is made
    // (group, retention, mail), what the purge did or failed to do, legal holds, the mail queue.
    name: '0030-recording-lifecycle',
    async up(knex, t) {
      await knex.schema.alterTable(t.recordings, (table) => {
        table.string('group_name', ID).nullable();
        table.integer('retention_days').nullable();
        table.text('mail_to').nullable(); // JSON list of addresses
        table.boolean('keep_after_mail').nullable();
        table.string('deleted_at', TIME).nullable();
        table.string('delete_rule', 128).nullable();
        table.text('delete_error').nullable();
        table.integer('delete_attempts').notNullable().defaultTo(0);
      });
      await knex.schema.createTable(t.legalHolds, (table) => {
        table.increments('id').primary();
        table.string('kind', 8).notNullable(); // 'call' | 'number'
        table.string('value', 255).notNullable(); // call id, or the number normalised to + and digits
        table.string('reason', 255).notNullable();
        table.string('created_by', 128).notNullable();
        table.string('created_at', TIME).notNullable();
        table.string('removed_at', TIME).nullable();
        table.string('removed_by', 128).nullable();
        table.index(['kind', 'value'], `${t.legalHolds}_kv_idx`);
      });
      await knex.schema.createTable(t.mailQueue, (table) => {
        table.string('id', ID).primary(); // the recording's id: one mail per recording
        table.string('call_id', ID).notNullable();
        table.text('recipients').notNullable(); // JSON list
        table.string('status', 16).notNullable(); // pending | sent | failed
        table.integer('attempts').notNullable().defaultTo(0);
        table.string('next_attempt_at', TIME).notNullable();
        table.string('locked_until', TIME).nullable();
        table.text('last_error').nullable();
        table.string('message_id', 255).nullable();
        // Only a delivered attachment lets "do not keep" delete the file (a link needs it kept).
        table.integer('attached').nullable();
        table.string('sent_at', TIME).nullable();
        table.string('created_at', TIME).notNullable();
        table.string('updated_at', TIME).notNullable();
        table.index(['status', 'next_attempt_at'], `${t.mailQueue}_due_idx`);
      });
    },
    async down(knex, t) {
      await knex.schema.dropTableIfExists(t.mailQueue);
      await knex.schema.dropTableIfExists(t.legalHolds);
      await knex.schema.alterTable(t.recordings, (table) => {
        for (const c of ['group_name', 'retention_days', 'mail_to', 'keep_after_mail', 'deleted_at', 'delete_rule', 'delete_error', 'delete_attempts']) table.dropColumn(c);
      });
    },
  },
  {
    // A call that ended while no daemon watched its node has no end time to write: the row
    // says why it is closed instead (close-stale-calls). The indexes serve that query and
    // the search for recordings still marked `recording` after every resync.
    name: '0040-call-end-reason',
    async up(knex, t) {
      await knex.schema.alterTable(t.calls, (table) => {
        table.string('end_reason', 128).nullable();
        table.index(['ended_at', 'node'], `${t.calls}_open_idx`);
      });
      await knex.schema.alterTable(t.recordings, (table) => {
        table.index(['status'], `${t.recordings}_status_idx`);
      });
    },
    async down(knex, t) {
      await knex.schema.alterTable(t.recordings, (table) => {
        table.dropIndex(['status'], `${t.recordings}_status_idx`);
      });
      await knex.schema.alterTable(t.calls, (table) => {
        table.dropIndex(['ended_at', 'node'], `${t.calls}_open_idx`);
        table.dropColumn('end_reason');
      });
    },
  },
  {
    // The group's GDPR Art. 6(1) basis, fixed on the row when the recording is made: a later
    // config change must not rewrite why an existing recording was lawful (issue 10, point 7).
    name: '0050-recording-legal-basis',
    async up(knex, t) {
      await knex.schema.alterTable(t.recordings, (table) => {
        table.string('legal_basis', 32).nullable();
      });
    },
    async down(knex, t) {
      await knex.schema.alterTable(t.recordings, (table) => {
        table.dropColumn('legal_basis');
      });
    },
  },
  {
    // A supervisor shares one call with the agent it concerns, for coaching (the back office's
    // agent role). A removed share keeps its row (who removed it and when); the sealed access
    // log holds both acts as well.
    name: '0060-call-shares',
    async up(knex, t) {
      await knex.schema.createTable(t.callShares, (table) => {
        table.increments('id').primary();
        table.string('call_id', ID).notNullable();
        table.string('agent_extension', 32).notNullable();
        table.string('shared_by', 64).notNullable();
        table.string('shared_at', TIME).notNullable();
        table.string('removed_by', 64).nullable();
        table.string('removed_at', TIME).nullable();
        table.index(['call_id'], `${t.callShares}_call_idx`);
        table.index(['agent_extension'], `${t.callShares}_agent_idx`);
      });
    },
    async down(knex, t) {
      await knex.schema.dropTableIfExists(t.callShares);
    },
  },
];

/** A knex MigrationSource bound to one set of table names. */
export function createMigrationSource(tables: StoreTables): Knex.MigrationSource<NamedMigration> {
  return {
    getMigrations: async () => [...MIGRATIONS],
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({
      up: (knex: Knex) => m.up(knex, tables),
      down: (knex: Knex) => m.down(knex, tables),
    }),
  };
}

export function migrationConfig(tables: StoreTables): Knex.MigratorConfig {
  return { migrationSource: createMigrationSource(tables), tableName: tables.migrations };
}

/** Brings the schema up to date; returns the names of the migrations that ran. */
export async function migrateLatest(knex: Knex, tables: StoreTables): Promise<string[]> {
  const [, names] = (await knex.migrate.latest(migrationConfig(tables))) as [number, string[]];
  return names;
}

/** Undoes every migration (tests, and `callwarden db reset`). */
export async function migrateRollbackAll(knex: Knex, tables: StoreTables): Promise<string[]> {
  const [, names] = (await knex.migrate.rollback(migrationConfig(tables), true)) as [number, string[]];
  return names;
}
