// Operations endpoints, outside the router secret (they carry no personal data): liveness,
// readiness and the Prometheus scrape.
import { Router } from 'express';
import type { Database } from '../db/client.js';
import type { Metrics } from '../metrics.js';

export interface Lifecycle {
  /** False before Apollo Server has started and once draining has begun. */
  accepting: boolean;
}

async function databaseAnswers(database: Database): Promise<boolean> {
  try {
    await database.ping();
    return true;
  } catch {
    return false;
  }
}

export function operationsRoutes(
  database: Database,
  metrics: Metrics,
  lifecycle: Lifecycle,
): Router {
  const router = Router();
  /**
   * Liveness: the process serves HTTP. Never the database: an outage would make the orchestrator
   * restart every replica, which cures nothing; readiness takes them out of the pool instead.
   */
  router.get('/health', (_req, res) => {
    res.status(200).json({ status: 'ok', database: database.kind });
  });
  /** Readiness: send traffic here. False while starting or draining, so a replica leaves the pool before it stops. */
  router.get('/ready', async (_req, res) => {
    const db = await databaseAnswers(database);
    const ready = lifecycle.accepting && db;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      accepting: lifecycle.accepting,
      database: db,
    });
  });
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.scrape();
    res.status(200).type(contentType).send(body);
  });
  return router;
}
