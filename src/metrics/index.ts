// The metrics folder's public face: the daemon's Prometheus metrics and their scrape listener.

export { DaemonMetrics } from './daemon-metrics';
export { MetricsServer } from './metrics-server';
export { METRICS_DEFAULTS, METRICS_SCHEMA, type MetricsConfig } from './metrics-config';
