// `callwarden simulate`: the operator's configuration, a simulated FreeSWITCH and the real daemon in one process.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { merge, validateConfig, type CallwardenConfig } from '../config';
import type { Logger } from '../logger';
import { parseScenario, Simulator, type ScenarioStep } from '../simulator';
import { formatCallReport } from './call-report';
import { dryRunDialplan, routesFrom, type Route } from './routing';
import { ScenarioDriver } from './scenario-driver';

export interface DryRunOptions {
  readonly scenarios: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly routes: readonly string[];
  readonly group?: string;
  readonly target?: string;
  /** Channel variables the dialplan sets for every call (callwarden_policy, callwarden_no_record …). */
  readonly vars: Readonly<Record<string, string>>;
  /** Agents whose signed recording consent is on file (default: every extension in recording.extensions). */
  readonly consenting: readonly string[];
  readonly timeline: boolean;
  readonly logger: Logger;
}

/** Parses every scenario first, so a typo is reported before anything runs. */
export function parseScenarios(scenarios: DryRunOptions['scenarios']): Array<{ name: string; steps: ScenarioStep[] }> {
  return scenarios.map((s) => {
    try {
      return { name: s.name, steps: parseScenario(s.text) };
    } catch (err) {
      throw Object.assign(new Error(`${s.name}: ${(err as Error).message}`), { name: 'UsageError' });
    }
  });
}

/**
 * The operator's configuration with only what a dry run must change: the simulator's event
 * socket, an outbound port of its own, an in-memory database, MQTT and HTTP off, recordings in a
 * temporary directory. Every recording rule, group, prompt and extension stays as configured.
 */
export function dryRunConfig(config: CallwardenConfig, eslPort: number, recordingsDir: string): CallwardenConfig {
  const plain = JSON.parse(JSON.stringify(config)) as unknown;
  return validateConfig(
    merge(plain, {
      // One simulated FreeSWITCH stands in for every configured node (esl.nodes: none, i.e. this one).
      esl: { host: '127.0.0.1', port: eslPort, nodes: [], reconnect: { initialMs: 10, maxMs: 100 } },
      outbound: { host: '127.0.0.1', port: 0 },
      store: { client: 'better-sqlite3', url: '', filename: ':memory:', tablePrefix: '', outboxDir: mkdtempSync(join(tmpdir(), 'callwarden-simulate-outbox-')) },
      mqtt: { url: 'off' },
      liveOps: { enabled: false },
      recording: { directory: recordingsDir },
      // A dry run's evidence lives in memory and is thrown away: no key needed, no anchor written.
      evidence: { requireKey: false, anchorFile: '' },
    }),
  );
}

export async function runDryRun(config: CallwardenConfig, options: DryRunOptions, print: (line: string) => void): Promise<number> {
  const scripts = parseScenarios(options.scenarios);
  const route = routesFrom(config.recording, options.routes, options.group, options.target);
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-simulate-rec-'));
  let sim: Simulator | undefined;
  const dialplan = dryRunDialplan(route, config.recording, () => sim?.outbound, options.vars);
  sim = new Simulator({ heartbeatSeconds: 0, recordingsDir, dialplan, password: 'ClueCon', waitTimeoutMs: 10_000 });
  const eslPort = await sim.listen(0);
  const cfg = dryRunConfig(config, eslPort, recordingsDir);
  const { Daemon, routeSessions } = await import('../daemon');
  const { CallControllers, createCallHandler } = await import('../calls');
  const { Coaching } = await import('../coaching');
  const controllers = new CallControllers();
  const done = new Map<string, Promise<void>>();
  const calls = createCallHandler({ recording: cfg.recording, logger: options.logger, controllers, onController: (c) => done.set(c.callId, c.done) });
  const coaching = new Coaching(cfg, options.logger);
  const daemon = new Daemon(cfg, options.logger, { resyncIntervalMs: 0, onSession: routeSessions({ calls, coaching: coaching.handler }) });
  await daemon.start();
  await coaching.start(daemon);
  const wake = daemon.registry.calls$.subscribe(() => sim?.core.notify());
  sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
  await daemon.nodesReady();
  await daemon.store.queue.ready();
  const signed = new Date(Date.now() - 86_400_000);
  for (const extension of options.consenting) await daemon.store.repository.recordAgentConsent({ extension, signedAt: signed, documentRef: 'assumed by callwarden simulate' });

  print(`configuration: ${Object.keys(cfg.recording.groups).length} group(s); recording ${cfg.recording.legalNoticeAcknowledged ? 'enabled (legal notice acknowledged)' : 'OFF: recording.legalNoticeAcknowledged is false'}`);
  print(`agents with recording consent on file (assumed): ${options.consenting.length > 0 ? options.consenting.join(', ') : 'none'}`);
  print('');
  let failed = 0;
  try {
    for (const script of scripts) {
      print(`━━ ${script.name}`);
      const actions = new Map<string, Array<{ atMs: number; text: string }>>();
      const driver = new ScenarioDriver(sim, {
        // A few real milliseconds per 250 virtual ones: the daemon's answer to an event (a key
        // pressed mid-call → uuid_record stop) crosses TCP before the script's time runs on.
        pace: () => new Promise((resolve) => setTimeout(resolve, 5)),
        waitMs: 10_000,
        onAction: (label, text, atMs) => {
          for (const l of label === undefined ? [...actions.keys()] : [label]) {
            const list = actions.get(l) ?? [];
            list.push({ atMs, text });
            actions.set(l, list);
          }
        },
      });
      try {
        for (const step of script.steps) await driver.step(step);
        const left = await driver.finish();
        for (const label of left) actions.get(label)?.push({ atMs: NaN, text: 'still running after the script and 10 minutes: hung up by simulate' });
      } catch (err) {
        failed++;
        print(`  the scenario stopped: ${(err as Error).message}`);
      }
      for (const [label, h] of driver.handles) {
        await Promise.race([done.get(h.uuid) ?? Promise.resolve(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
        await daemon.store.queue.drained();
        const repo = daemon.store.repository;
        const [evidence, recordings, check] = await Promise.all([repo.listEvidence(h.uuid), repo.listRecordings(h.uuid), repo.verifyEvidence(h.uuid)]);
        const r: Route | undefined = route(h.caller.ch.profile.destinationNumber);
        const lines = formatCallReport(
          {
            label,
            callId: h.uuid,
            dialled: h.caller.ch.profile.destinationNumber,
            caller: h.caller.ch.profile.callerIdNumber,
            group: r?.group,
            mode: r ? cfg.recording.groups[r.group]?.mode : undefined,
            actions: actions.get(label) ?? [],
            evidence,
            recordings,
            verifies: check.ok,
          },
          options.timeline,
        );
        for (const line of lines) print(line);
        print('');
      }
    }
  } finally {
    wake.unsubscribe();
    await coaching.stop();
    await daemon.stop();
    await sim.stop();
  }
  return failed > 0 ? 5 : 0;
}
