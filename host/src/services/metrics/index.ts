export { CAPTURE_BUCKETS_S, HEALTH_STATES, PING_BUCKETS_S, ServiceMetrics, type ServiceMetricsOptions } from './service-metrics.js';
