#!/usr/bin/env node
// The `callwarden` command: run the daemon, migrate the database, list calls, check a call's evidence.

import { loadConfig, ConfigError } from './config';
import { configureLogger, logger } from './logger';

const USAGE = `usage: callwarden <command>

commands:
  run                      start the daemon (config/ + CALLWARDEN_* environment variables)
  migrate                  bring the database schema up to date
  calls [--since 24h] [--json]
                           calls in the database since a time (90m, 24h, 7d or ISO date)
  evidence <call-id>       the call's consent evidence and whether its seals, chain and anchor
                           verify (exit 0 verifies, 3 broken, 4 nothing under this id)
  evidence --all [--since 7d]
                           verify every call since a time, with a summary (daily audit job)
  audit [--since 7d] [--user x] [--call id] [--json]
                           the sealed access log: who listened, downloaded, exported what
  purge [--dry-run]        delete recordings past their retention date (the daemon does it hourly)
  help                     this text`;

const print = (line: string): void => console.log(line);

async function main(argv: string[]): Promise<number> {
  const [command = 'help'] = argv;
  switch (command) {
    case 'run': {
      const config = loadConfig();
      configureLogger(config.log);
      const { Daemon, routeSessions } = await import('./daemon');
      // Calls: consent flow, bridge, recording policies (src/calls/, src/recorder/). The
      // controllers table is also live operations' RecordingControl, so it comes first.
      const { CallControllers, adoptRunningCalls, createCallHandler } = await import('./calls');
      const controllers = new CallControllers();
      // The agent's side (src/agent/): what each call shows its agent, on the phone's lamp and on MQTT.
      const { AgentSide } = await import('./agent');
      const agentSide = new AgentSide(config, logger);
      controllers.configureAgentSide({ listener: agentSide.listener });
      const calls = createCallHandler({ recording: config.recording, logger, controllers });
      // Coaching: *98*<ext> sockets and the live-ops server (src/coaching/).
      const { Coaching } = await import('./coaching');
      const coaching = new Coaching(config, logger, { recordingControl: controllers });
      // Metrics (src/metrics/): a Prometheus scrape listener, only when enabled.
      const { DaemonMetrics, MetricsServer, METRICS_DEFAULTS } = await import('./metrics');
      const metricsConfig = config.metrics ?? METRICS_DEFAULTS;
      const metrics = metricsConfig.enabled ? new DaemonMetrics() : undefined;
      const daemon = new Daemon(config, logger, {
        onSession: routeSessions({ calls, coaching: coaching.handler }),
        ...(metrics ? { wrapPublisher: (p: import('./mqtt').CallPublisher) => metrics.countingPublisher(p) } : {}),
      });
      const metricsServer = metrics ? new MetricsServer(metrics, metricsConfig, logger) : undefined;
      let adoption: { stop(): void } | undefined;
      const stop = async (signal: string) => {
        logger.info(`${signal}: stopping`);
        adoption?.stop();
        await agentSide.stop();
        await coaching.stop();
        await metricsServer?.close();
        metrics?.stop();
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await daemon.start();
      if (metrics && metricsServer) {
        metrics.watch(daemon);
        await metricsServer.listen();
      }
      agentSide.start(daemon);
      // Calls already running (a restart mid-call) get a controller once the call table is rebuilt.
      adoption = adoptRunningCalls(daemon, { recording: config.recording, logger, controllers });
      await coaching.start(daemon);
      return -1; // keep running
    }
    case 'migrate': {
      const { migrateCommand } = await import('./commands/migrate');
      return migrateCommand(loadConfig(), print);
    }
    case 'calls': {
      const { callsCommand } = await import('./commands/calls');
      return callsCommand(loadConfig(), argv.slice(1), print);
    }
    case 'evidence': {
      const { evidenceCommand } = await import('./commands/evidence');
      return evidenceCommand(loadConfig(), argv.slice(1), print);
    }
    case 'audit': {
      const { auditCommand } = await import('./commands/audit');
      return auditCommand(loadConfig(), argv.slice(1), print);
    }
    case 'purge': {
      const { purgeCommand } = await import('./commands/purge');
      return purgeCommand(loadConfig(), argv.slice(1), print);
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`callwarden: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || (err as Error).name === 'UsageError') console.error(`callwarden: ${(err as Error).message}`);
    else console.error(`callwarden: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
