// The audit log's health: chain head, last checkpoint, last witnessed head, last verification.
import { gql } from '../api.js';
import { h, when } from '../dom.js';
import type { Page } from '../ui.js';

interface Health {
  headSeq: number | null;
  chains: number | null;
  lastCheckpointRows: number | null;
  lastCheckpointAt: string | null;
  witnesses: number | null;
  lastWitnessedRows: number | null;
  lastWitnessedAt: string | null;
  verificationRunning: boolean | null;
  lastVerification: {
    finishedAt: string | null;
    durationMs: number | null;
    intact: boolean | null;
    events: number | null;
    chains: number | null;
    badChain: string | null;
    firstBadSeq: number | null;
    reason: string | null;
  } | null;
}

const READ = `query ConsoleLogHealth { auditLogHealth { headSeq chains lastCheckpointRows lastCheckpointAt witnesses
  lastWitnessedRows lastWitnessedAt verificationRunning
  lastVerification { finishedAt durationMs intact events chains badChain firstBadSeq reason } } }`;

export const healthPage: Page = async (ctx) => {
  const { auditLogHealth: x } = await gql<{ auditLogHealth: Health }>(READ);
  const v = x.lastVerification;
  const verdict = !v
    ? 'No verification has finished on this server yet.'
    : v.intact
      ? `Intact: ${v.events} rows in ${v.chains} chains proven, ${when(v.finishedAt)} (${v.durationMs} ms).`
      : v.intact === false
        ? `NOT intact: chain ${v.badChain} from position ${v.firstBadSeq}: ${v.reason} (${when(v.finishedAt)}).`
        : `${v.reason} (${when(v.finishedAt)}).`;
  const facts: [string, string][] = [
    ['Newest row', String(x.headSeq ?? 0)],
    ['Writer chains', String(x.chains ?? 0)],
    [
      'Last signed head',
      x.lastCheckpointRows
        ? `${x.lastCheckpointRows} rows vouched for, ${when(x.lastCheckpointAt)}`
        : 'none yet',
    ],
    [
      'Witnesses',
      x.witnesses
        ? String(x.witnesses)
        : 'none configured: a rollback of the database would go unseen',
    ],
    [
      'Last witnessed head',
      x.lastWitnessedRows
        ? `${x.lastWitnessedRows} rows vouched for, ${when(x.lastWitnessedAt)}`
        : 'none',
    ],
    ['Last verification', verdict],
    ['Verification running', x.verificationRunning ? 'yes (refresh to see its result)' : 'no'],
  ];
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'facts' },
      facts.flatMap(([k, val]) => [h('dt', {}, k), h('dd', {}, val)]),
    ),
    h('button', { type: 'button', onclick: () => ctx.go('health') }, 'Refresh'),
  );
};
