// Invariant 6: log calls never pass personal values; the logger's redaction is the second line of
// defence, for a call that does by mistake.
import { expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';

test('invariant 6: the logger redacts the authorization header, the router secret, variables and personal fields a log call passes by mistake', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const person = {
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    phone: '+1 785 555 0101',
    cardNumber: '29000000000012',
  };
  logger.info(
    {
      req: { headers: { authorization: 'Bearer eyJ.secret', 'x-router-secret': 'r'.repeat(40) } },
      variables: { card: '29000000000012' },
      request: { variables: { email: 'ada@example.org' } },
      ...person,
      patron: person,
    },
    'mistake',
  );
  const R = '[redacted]';
  const { time, ...line } = lines[0]!;
  expect(typeof time).toBe('number');
  expect(line).toEqual({
    level: 30,
    service: 'patron-records',
    req: { headers: { authorization: R, 'x-router-secret': R } },
    variables: R,
    request: { variables: R },
    name: R,
    email: R,
    phone: R,
    cardNumber: R,
    patron: { name: R, email: R, phone: R, cardNumber: R },
    msg: 'mistake',
  });
});
