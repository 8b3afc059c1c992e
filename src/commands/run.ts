// `callwarden run`: the daemon — calls, coaching and live operations until SIGTERM/SIGINT.

import type { CliCommand } from './command';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'start the daemon (what systemd runs; stops cleanly on SIGTERM or SIGINT)',
  details: 'Runs in the foreground and logs to stdout. Exits 1 at once on an invalid configuration.',
  async run(config) {
    const { configureLogger, logger } = await import('../logger');
    configureLogger(config.log);
    const { Daemon, routeSessions } = await import('../daemon');
    // Calls: consent flow, bridge, recording policies (src/calls/, src/recorder/). The
    // controllers table is also live operations' RecordingControl, so it comes first.
    const { CallControllers, adoptRunningCalls, createCallHandler } = await import('../calls');
    // Metrics (src/metrics/): a Prometheus scrape listener, only when enabled. Made first: the
    // lifecycle and the daemon are handed its counting hooks when they are built.
    const { DaemonMetrics, MetricsServer, METRICS_DEFAULTS } = await import('../metrics');
    const metricsConfig = config.metrics ?? METRICS_DEFAULTS;
    const metrics = metricsConfig.enabled ? new DaemonMetrics() : undefined;
    // After the call: mp3, retention terms, mail, storage (src/lifecycle).
    const { RecordingLifecycle } = await import('../lifecycle/recording-lifecycle');
    const lifecycle = new RecordingLifecycle(config, logger, metrics ? { onMailDelivery: (d) => metrics.countMail(d) } : {});
    const controllers = new CallControllers({ lifecycle });
    // The agent's side (src/agent/): what each call shows its agent, on the phone's lamp and on MQTT.
    const { AgentSide } = await import('../agent');
    const agentSide = new AgentSide(config, logger);
    controllers.configureAgentSide({ listener: agentSide.listener });
    const calls = createCallHandler({ recording: config.recording, logger, controllers });
    // Coaching: *98*<ext> sockets (src/coaching/); live operations are served by src/web/.
    const { Coaching } = await import('../coaching');
    const coaching = new Coaching(config, logger);
    const { startWeb } = await import('../web');
    let web: { close(): Promise<void> } | undefined;
    const daemon = new Daemon(config, logger, {
      onSession: routeSessions({ calls, coaching: coaching.handler }),
      ...(metrics ? { wrapPublisher: (p: import('../mqtt').CallPublisher) => metrics.countingPublisher(p), onPurge: (run: import('../daemon').PurgeRun) => metrics.countPurge(run) } : {}),
    });
    const metricsServer = metrics ? new MetricsServer(metrics, metricsConfig, logger) : undefined;
    let adoption: { stop(): void } | undefined;
    const stop = async (signal: string) => {
      logger.info(`${signal}: stopping`);
      adoption?.stop();
      await web?.close();
      await agentSide.stop();
      await coaching.stop();
      await lifecycle.stop();
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
      metrics.watchLifecycle(lifecycle);
      await metricsServer.listen();
    }
    await lifecycle.start(daemon);
    agentSide.start(daemon);
    // Calls already running (a restart mid-call) get a controller once the call table is rebuilt.
    adoption = adoptRunningCalls(daemon, { recording: config.recording, logger, controllers });
    await coaching.start(daemon);
    // The HTTP server for people: back office and live operations (the controllers table is their RecordingControl).
    web = await startWeb(config, daemon, controllers, logger);
    return -1; // keep running
  },
};
