// Several simulated FreeSWITCH nodes and daemons that each control some of them (esl.nodes), wired as src/commands/run.ts does.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsConfigOf, AgentSide } from '../../src/agent';
import { adoptRunningCalls, CallControllers, createCallHandler, type CallAdoption, type CallController } from '../../src/calls';
import { Coaching, type CoachingConfig } from '../../src/coaching';
import type { CallwardenConfig, DeepPartial } from '../../src/config';
import { Daemon, routeSessions } from '../../src/daemon';
import type { RecordingConfig } from '../../src/policies';
import { Simulator } from '../../src/simulator/simulator';
import { startWeb, type WebServer } from '../../src/web';
import { groupDialplan } from '../calls/call-harness';
import { addUsers, OPS1 } from '../calls/live-ops-client';
import { captureLogger, type CapturedLogger } from './capture-logger';
import { controllerLog } from './controller-log';
import { testConfig, tmpOutbox } from './daemon-config';

/** One simulated FreeSWITCH: `name` is both the daemon's node name and FreeSWITCH's hostname. */
export interface SimNode {
  readonly name: string;
  readonly sim: Simulator;
}

/** Simulators named `names`, each with its own Core-UUID and hostname (its name unless `hostname` is given); 5000 hands calls to whichever daemon `outbound` is set to. */
export async function startSimNodes(names: readonly string[], recordingsDir: string, hostname?: string): Promise<SimNode[]> {
  return Promise.all(
    names.map(async (name) => {
      let ref: Simulator | undefined;
      const sim = new Simulator({ recordingsDir, heartbeatSeconds: 0, hostname: hostname ?? name, dialplan: groupDialplan(() => ref as Simulator) });
      ref = sim;
      await sim.listen(0);
      return { name, sim };
    }),
  );
}

export interface NodeDaemon {
  readonly daemon: Daemon;
  readonly config: CallwardenConfig;
  readonly nodes: readonly SimNode[];
  readonly log: CapturedLogger;
  readonly controllers: CallController[];
  /** Present when NodeDaemonOptions.liveOps was set. */
  readonly web?: WebServer;
  controllerOf(callId: string): Promise<CallController>;
  stop(): Promise<void>;
}

export interface NodeDaemonOptions {
  /** The daemon's `node` (its MQTT topics). */
  readonly name: string;
  readonly nodes: readonly SimNode[];
  readonly recordingsDir: string;
  readonly store?: DeepPartial<CallwardenConfig['store']>;
  readonly mqtt?: { readonly url: string };
  readonly recording: DeepPartial<RecordingConfig> & { groups?: Record<string, unknown>; extensions?: Record<string, unknown> };
  readonly coaching?: DeepPartial<CoachingConfig>;
  /** Agents whose recording consent is put on file (once per database is enough). */
  readonly consenting?: readonly string[];
  /** Also run the web server with live operations and user ops1 (supervisor, 2001). */
  readonly liveOps?: boolean;
  /** Also run the agent's side with recording lamps on (domain pbx.test, no refresh). */
  readonly lamp?: boolean;
}

/** A daemon controlling `nodes` (one inbound connection each, one outbound port they all dial). */
export async function startNodeDaemon(options: NodeDaemonOptions): Promise<NodeDaemon> {
  const config = testConfig(options.nodes[0]!.sim.port!, {
    node: options.name,
    esl: { nodes: options.nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.sim.port! })) } as DeepPartial<CallwardenConfig['esl']>,
    store: options.store ?? { filename: join(mkdtempSync(join(tmpdir(), 'callwarden-db-')), 'callwarden.sqlite'), outboxDir: tmpOutbox() },
    ...(options.mqtt ? { mqtt: { url: options.mqtt.url } } : {}),
    recording: { legalNoticeAcknowledged: true, directory: options.recordingsDir, format: 'wav', ...options.recording } as DeepPartial<RecordingConfig>,
    ...(options.coaching ? { coaching: options.coaching } : {}),
    ...(options.liveOps ? { liveOps: { enabled: true }, web: { enabled: true, port: 0 } } : {}),
  });
  const log = captureLogger();
  const { controllers, onController, controllerOf } = controllerLog();
  const table = new CallControllers();
  const agentSide = options.lamp
    ? new AgentSide({ agents: agentsConfigOf({ lamp: { enabled: true, domain: 'pbx.test', refreshSeconds: 0 }, mqtt: { enabled: false } }), recording: config.recording }, log.logger)
    : undefined;
  if (agentSide) table.configureAgentSide({ listener: agentSide.listener });
  const handler = createCallHandler({ recording: config.recording, logger: log.logger, controllers: table, onController });
  const coaching = new Coaching(config, log.logger);
  const daemon = new Daemon(config, log.logger, { onSession: routeSessions({ calls: handler, coaching: coaching.handler }), resyncIntervalMs: 0 });
  await daemon.start();
  await coaching.start(daemon);
  agentSide?.start(daemon);
  const adoption: CallAdoption = adoptRunningCalls(daemon, { recording: config.recording, logger: log.logger, controllers: table, onController });
  // The simulators' waits re-check on their own model changes; the daemon's call-state changes wake them too.
  const wake = daemon.registry.calls$.subscribe(() => options.nodes.forEach((n) => n.sim.core.notify()));
  for (const n of options.nodes) n.sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
  await daemon.nodesReady();
  await daemon.store.queue.ready();
  const web = options.liveOps ? await startWeb(config, daemon, table, log.logger) : undefined;
  if (web) await addUsers(daemon, [OPS1]);
  for (const extension of options.consenting ?? []) {
    await daemon.store.repository.recordAgentConsent({ extension, signedAt: new Date(Date.now() - 60_000), documentRef: `consent-${extension}.pdf` });
  }
  return {
    daemon,
    config,
    ...(web ? { web } : {}),
    nodes: options.nodes,
    log,
    controllers,
    controllerOf,
    async stop() {
      wake.unsubscribe();
      adoption.stop();
      await web?.close();
      await agentSide?.stop();
      await coaching.stop();
      await daemon.stop();
    },
  };
}

/** Every `api …` line a node's simulator received on its inbound connection(s). */
export function inboundApi(node: SimNode): string[] {
  return node.sim.received.filter((c) => c.mode === 'inbound' && /^b?api /.test(c.line)).map((c) => c.line);
}
