// `callwarden simulate --serve`: the simulated FreeSWITCH alone, where the configured daemon expects FreeSWITCH, playing scenarios in real time.

import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallwardenConfig } from '../config';
import { Simulator } from '../simulator';
import { parseScenarios, type DryRunOptions } from './dry-run';
import { dryRunDialplan, routesFrom } from './routing';
import { ScenarioDriver } from './scenario-driver';

export interface ServeOptions extends Pick<DryRunOptions, 'scenarios' | 'routes' | 'group' | 'target' | 'vars'> {
  readonly host: string;
  readonly port: number;
  /** Play the scenarios again and again until stopped. */
  readonly repeat: boolean;
}

function writableDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Listens like FreeSWITCH's event socket (the configured esl.password), dials the configured
 * outbound socket for routed calls, and once a daemon has connected plays the scenarios with
 * virtual time paced to real time, so its MQTT topics can be watched as calls come and go.
 */
export async function serveSimulator(config: CallwardenConfig, options: ServeOptions, print: (line: string) => void): Promise<number> {
  const scripts = parseScenarios(options.scenarios);
  const route = routesFrom(config.recording, options.routes, options.group, options.target);
  // FreeSWITCH writes where uuid_record says, the directory the daemon then checks; when this
  // user cannot write there, a temporary one (and the daemon will find the files missing).
  const recordingsDir = writableDir(config.recording.directory) ?? mkdtempSync(join(tmpdir(), 'callwarden-serve-rec-'));
  const outbound = { host: config.outbound.host === '0.0.0.0' ? '127.0.0.1' : config.outbound.host, port: config.outbound.port };
  const sim = new Simulator({
    password: config.esl.password,
    recordingsDir,
    outbound,
    dialplan: dryRunDialplan(route, config.recording, () => outbound, options.vars),
    startTimeMs: Date.now(),
    waitTimeoutMs: 120_000,
  });
  const port = await sim.listen(options.port, options.host);
  print(`simulated FreeSWITCH listening on ${options.host}:${port} (event socket, password from esl.password); calls dial callwarden at ${outbound.host}:${outbound.port}`);
  print(`recordings land in ${recordingsDir}${recordingsDir === config.recording.directory ? ' (recording.directory)' : ` — recording.directory ${config.recording.directory} is not writable here, so the daemon will report those files missing`}`);
  print(`start the daemon (make run) with esl.port ${port}; Ctrl-C stops`);
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      stopping = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  // Ready once a daemon's inbound connection has subscribed to events: a call placed before that
  // would reach the daemon only through its resync, not as a new call.
  let since = 0;
  const connected = (): boolean => sim.openConnections.inbound > 0 && sim.received.slice(since).some((c) => c.mode === 'inbound' && /^event (json|plain)/.test(c.line));
  const play = async (): Promise<void> => {
    do {
      if (!connected()) {
        since = sim.received.length;
        print('waiting for callwarden to connect …');
        await sim.until(connected, 'a daemon to connect', 24 * 3_600_000);
        print('callwarden connected');
      }
      for (const script of scripts) {
        if (stopping) return;
        print(`━━ ${script.name}`);
        const driver = new ScenarioDriver(sim, {
          pace: (ms) => sleep(ms),
          waitMs: 60_000,
          onAction: (label, text, atMs) => print(`  ${(atMs / 1000).toFixed(1).padStart(6)}s  ${label ?? ''}${label ? ': ' : ''}${text}`),
        });
        try {
          for (const step of script.steps) {
            if (stopping) return;
            await driver.step(step);
          }
          await driver.finish(120_000);
        } catch (err) {
          print(`  the scenario stopped: ${(err as Error).message}`);
        }
      }
    } while (options.repeat && !stopping);
    print('all scenarios played; still serving until Ctrl-C');
  };
  // Ctrl-C ends it at once, whatever a scenario is waiting for.
  await Promise.race([play().then(() => stopped), stopped]);
  await sim.stop();
  return 0;
}
