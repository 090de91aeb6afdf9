// A patron's age band at a moment: the only trace of the person that statistics keep (regulation 9).
// Four wide bands so that few cells fall below the suppression threshold.
import type { AgeBand } from '../db/schema/columns.js';

/** Whole years between a YYYY-MM-DD birth date and an instant (UTC calendar). */
function ageOn(birthDate: string, at: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const years = at.getUTCFullYear() - y;
  const beforeBirthday =
    at.getUTCMonth() + 1 < m || (at.getUTCMonth() + 1 === m && at.getUTCDate() < d);
  return beforeBirthday ? years - 1 : years;
}

/** CHILD under 13, TEEN 13–17, ADULT 18–64, SENIOR 65 and over. */
export function ageBand(birthDate: string, at: Date): AgeBand {
  const age = ageOn(birthDate, at);
  if (age < 13) return 'CHILD';
  if (age < 18) return 'TEEN';
  if (age < 65) return 'ADULT';
  return 'SENIOR';
}
