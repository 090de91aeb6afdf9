// The audit log's health: chain head, last checkpoint, last witnessed head, last verification.
import { gql } from '../api.js';
import { h, when } from '../dom.js';
import type { Page } from '../ui.js';

interface Health {
  headSeq: number | null;
  lastCheckpointSeq: number | null;
  lastCheckpointAt: string | null;
  witnesses: number | null;
  lastWitnessedSeq: number | null;
  lastWitnessedAt: string | null;
  verificationRunning: boolean | null;
  lastVerification: {
    finishedAt: string | null;
    durationMs: number | null;
    intact: boolean | null;
    events: number | null;
    firstBadSeq: number | null;
    reason: string | null;
  } | null;
}

const READ = `query ConsoleLogHealth { auditLogHealth { headSeq lastCheckpointSeq lastCheckpointAt witnesses
  lastWitnessedSeq lastWitnessedAt verificationRunning
  lastVerification { finishedAt durationMs intact events firstBadSeq reason } } }`;

export const healthPage: Page = async (ctx) => {
  const { auditLogHealth: x } = await gql<{ auditLogHealth: Health }>(READ);
  const v = x.lastVerification;
  const verdict = !v
    ? 'No verification has finished on this server yet.'
    : v.intact
      ? `Intact: ${v.events} rows proven, ${when(v.finishedAt)} (${v.durationMs} ms).`
      : v.intact === false
        ? `NOT intact from row ${v.firstBadSeq}: ${v.reason} (${when(v.finishedAt)}).`
        : `${v.reason} (${when(v.finishedAt)}).`;
  const facts: [string, string][] = [
    ['Newest row', String(x.headSeq ?? 0)],
    [
      'Last signed checkpoint',
      x.lastCheckpointSeq ? `row ${x.lastCheckpointSeq}, ${when(x.lastCheckpointAt)}` : 'none yet',
    ],
    [
      'Witnesses',
      x.witnesses
        ? String(x.witnesses)
        : 'none configured: a rollback of the database would go unseen',
    ],
    [
      'Last witnessed head',
      x.lastWitnessedSeq ? `row ${x.lastWitnessedSeq}, ${when(x.lastWitnessedAt)}` : 'none',
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
