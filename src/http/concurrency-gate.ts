// At most `limit` GraphQL requests run at once; the others wait, in arrival order, before any work
// is done for them (a waiting request holds its parsed body, nothing else). Under a burst the
// server finishes requests instead of advancing all of them together: memory stays bounded by what
// `limit` executions hold, and the first to arrive are the first answered. A client that leaves
// while waiting gives its turn to the next.
import type { RequestHandler } from 'express';

export function concurrencyGate(limit: number): RequestHandler {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return (req, res, next) => {
    const start = () => {
      if (res.destroyed || res.writableEnded) return release();
      res.once('close', release);
      next();
    };
    if (running < limit) {
      running++;
      start();
    } else waiting.push(start);
  };
}
