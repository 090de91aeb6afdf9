// The one logger. Redaction is a second line of defence: log calls never pass personal values.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const REDACT = [
  'req.headers.authorization',
  'req.headers["x-router-secret"]',
  'variables',
  '*.variables',
  'email',
  'phone',
  'cardNumber',
  'name',
  '*.email',
  '*.phone',
  '*.cardNumber',
  '*.name',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'patron-records' } },
    destination,
  );
}
