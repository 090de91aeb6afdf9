// npm run bench's options (bench/options.ts): the full run's defaults, --quick, and clear refusals.
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/options.js';

const PG = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };

describe('bench options', () => {
  it('defaults to the full run: 10 s runs, 5 paired rounds, 100,000 patrons on PostgreSQL', () => {
    expect(parseOptions([], PG)).toMatchObject({
      quick: false,
      seconds: 10,
      rounds: 5,
      openRounds: 3,
      openFraction: 0.7,
      targets: ['postgres'],
      pgPatrons: 100_000,
      scenarios: ['1', '2', '2c', '3', '4'],
      references: false,
      writers: 4,
      out: null,
    });
    expect(parseOptions([], {}).targets).toEqual(['pglite']);
  });

  it('--quick shortens everything; explicit options still win', () => {
    expect(parseOptions(['--quick', '--rounds', '3'], PG)).toMatchObject({
      quick: true,
      seconds: 2,
      rounds: 3,
      openRounds: 1,
      pgPatrons: 2_000,
    });
  });

  it('refuses what it cannot run', () => {
    expect(() => parseOptions(['--scenarios', '1,5'], PG)).toThrow(
      '--scenarios: unknown scenario 5 (of 1, 2, 2c, 3, 4)',
    );
    expect(() => parseOptions(['--targets', 'postgres'], {})).toThrow(
      '--targets postgres needs DATABASE_URL',
    );
    expect(() => parseOptions(['--rounds', '1'], PG)).toThrow('--rounds must be a number ≥ 2: 1');
    expect(() => parseOptions(['--patrons', '500'], PG)).toThrow(
      '--patrons must be a number ≥ 1700: 500',
    );
  });
});
