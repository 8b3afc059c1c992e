// A real web server on a real database (SQLite file, or MariaDB when CALLWARDEN_TEST_MYSQL_URL is set) with two groups' calls, recordings and users.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { defaultsWith } from '../../src/config';
import { createStoreKnex, EvidenceKeyring, migrateLatest, migrateRollbackAll, StoreRepository, type AccessLog } from '../../src/store';
import { hashPassword, UserDirectory, WebServer, type WebConfig, type WebRole } from '../../src/web';
import { captureLogger } from '../support/capture-logger';

export const MYSQL_URL = process.env.CALLWARDEN_TEST_MYSQL_URL;
export const PASSWORD = 'correct horse battery staple';

export interface SeededCall {
  readonly callId: string;
  readonly group: string;
  readonly caller: string;
  readonly recordingId: string;
  /** The recording file's bytes (a WAV header and a counting pattern, so any range is recognisable). */
  readonly audio: Buffer;
}

export interface WebFixture {
  readonly base: string;
  readonly server: WebServer;
  readonly knex: Knex;
  readonly repository: StoreRepository;
  readonly users: UserDirectory;
  /** The store's sealed access log, the one the server writes to (as in the daemon). */
  readonly accessLog: AccessLog;
  readonly sales: SeededCall;
  readonly support: SeededCall;
  readonly recordingDir: string;
  /** Seeds one more call with a recording (same shape as sales/support). */
  seed(group: string, agent: string, caller: string, startedAt: string): Promise<SeededCall>;
  readonly log: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

export type Engine = 'sqlite' | 'mariadb';

export function engines(): Engine[] {
  if (!MYSQL_URL) console.log('MariaDB web suite not run: set CALLWARDEN_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run it as well.');
  return MYSQL_URL ? ['sqlite', 'mariadb'] : ['sqlite'];
}

function wav(bytes: number): Buffer {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = i % 251;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + bytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(bytes, 40);
  return Buffer.concat([header, data]);
}

let passwordHash: Promise<string> | undefined;

/** `groups`: extra recording-group settings over the defaults (e.g. agentSelfReview per group). */
export async function startWebFixture(engine: Engine, web: Partial<WebConfig> = {}, groups: Record<string, Record<string, unknown>> = {}): Promise<WebFixture> {
  const prefix = engine === 'mariadb' ? `w${randomBytes(3).toString('hex')}_` : '';
  const dir = mkdtempSync(join(tmpdir(), 'callwarden-web-'));
  const knex =
    engine === 'mariadb'
      ? createStoreKnex({ client: 'mysql2', url: MYSQL_URL })
      : createStoreKnex({ client: 'better-sqlite3', filename: join(dir, 'db.sqlite') });
  // Sealed like a production store: access rows carry an HMAC under this key.
  const repository = new StoreRepository(knex, { tablePrefix: prefix || undefined, sealing: { keys: new EvidenceKeyring('web1', { web1: 'web-fixture-evidence-key-0000000000000' }) } });
  await migrateLatest(knex, repository.tables);
  const recordingDir = join(dir, 'recordings');
  mkdirSync(recordingDir);

  async function seed(group: string, agent: string, caller: string, startedAt: string, consent: string, size: number): Promise<SeededCall> {
    const callId = randomUUID();
    // The recorder's id shape: <call-id>/<file name> (a slash, so URLs carry it as %2F).
    const recordingId = `${callId}/01-both.wav`;
    // sales' recording was made while the group rested on consent (its config now says legal-obligation).
    await repository.upsertCall({ callId, caller, destination: '5000', agentExtension: agent, group, direction: 'inbound', startedAt, endedAt: new Date(Date.parse(startedAt) + 60_000) });
    await repository.appendEvidence(callId, 'consent', { prompt: 'consent-menu', outcome: consent, digit: consent === 'given' ? '1' : '9' });
    await repository.appendEvidence(callId, 'decision', { record: true, reason: `recording both parties (test ${group})`, mode: 'opt-in' });
    const audio = wav(size);
    const filePath = join(recordingDir, `${callId}.wav`);
    writeFileSync(filePath, audio);
    await repository.upsertRecording({ id: recordingId, callId, filePath, format: 'wav', channels: 'both', segment: 1, startedAt, stoppedAt: new Date(Date.parse(startedAt) + 50_000), bytes: audio.length, status: 'ok', ...(group === 'sales' ? { legalBasis: 'consent' } : {}) });
    return { callId, group, caller, recordingId, audio };
  }
  const sales = await seed('sales', '1001', '+4930111222', '2026-11-20T10:00:00.000Z', 'given', 4000);
  const support = await seed('support', '1002', '+4940333444', '2026-11-21T11:00:00.000Z', 'refused', 3000);

  const users = new UserDirectory(knex, repository.tables);
  passwordHash ??= hashPassword(PASSWORD);
  const add = async (name: string, role: WebRole, groups: string[] = [], extension: string | null = null) =>
    users.add({ name, role, groups, extension, passwordHash: await passwordHash!, createdBy: 'test' });
  await add('admin', 'admin');
  await add('anna', 'supervisor', ['sales'], '2001');
  await add('bert', 'supervisor', ['support'], '2002');
  await add('audrey', 'auditor');

  const config = defaultsWith({ web: { enabled: true, port: 0, ...web } as never });
  const log = captureLogger();
  const accessLog = repository.accessLog;
  const server = new WebServer({
    config: config.web,
    liveOps: config.liveOps,
    coaching: config.coaching,
    recordingDir,
    recordingGroups: {
      sales: { ...config.recording.groups['hotline']!, mode: 'permanent', legalBasis: 'legal-obligation', ...groups['sales'] },
      ...Object.fromEntries(Object.entries(groups).filter(([g]) => g !== 'sales').map(([g, extra]) => [g, { ...config.recording.groups['hotline']!, ...extra }])),
    } as never,
    knex,
    tables: repository.tables,
    repository,
    users,
    accessLog,
    logger: log.logger,
  });
  const port = await server.listen();
  return {
    base: `http://127.0.0.1:${port}`,
    server,
    knex,
    repository,
    users,
    accessLog,
    sales,
    support,
    recordingDir,
    seed: (group, agent, caller, startedAt) => seed(group, agent, caller, startedAt, 'given', 2000),
    log,
    async close() {
      await server.close();
      if (engine === 'mariadb') {
        await migrateRollbackAll(knex, repository.tables);
        await knex.schema.dropTableIfExists(repository.tables.migrations);
        await knex.schema.dropTableIfExists(`${repository.tables.migrations}_lock`);
      }
      await knex.destroy();
    },
  };
}

export const basic = (user: string, password = PASSWORD): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
  readonly bytes: Buffer;
}

/** One real HTTP request; `json` is {} when the body is not JSON. */
export async function call(base: string, method: string, path: string, options: { user?: string; password?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.user ? { authorization: basic(options.user, options.password) } : {}), ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    /* audio or HTML */
  }
  return { status: res.status, headers: res.headers, json, bytes };
}
