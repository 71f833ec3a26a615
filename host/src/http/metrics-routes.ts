import { Router } from 'express';
import type { ServiceMetrics } from '../services/metrics/index.js';

/**
 * GET /metrics for Prometheus. It sits behind the same doors as every route: a scrape from another machine
 * sends the token as `Authorization: Bearer` (README, "Metrics").
 */
export function metricsRoutes(metrics: ServiceMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await metrics.text();
    res.set({ 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).send(text);
  });
  return router;
}
