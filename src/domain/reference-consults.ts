// Reference consultations: recorded by the librarian who conducted them.
import { z } from 'zod';
import type { ReferenceConsultRow } from '../db/schema/reference-consults.sql.js';
import type { Principal } from '../auth/principal.js';
import type { ListScope } from '../authz/policy/access-control.js';
import { notFound } from './errors.js';
import type { Repositories } from '../repositories/repositories.js';
import {
  decodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
} from '../repositories/paging.js';
import { ageBand } from './age-band.js';
import { newId } from './ids.js';
import * as v from './validation.js';

const recordInput = z.object({
  patronId: v.id.nullable().optional(),
  channel: z.enum(['IN_PERSON', 'PHONE', 'EMAIL', 'CHAT']),
  question: v.text(4000),
  answerSummary: v.text(4000).nullable().optional(),
  finished: z.boolean().nullable().optional(),
});

export class ReferenceConsultService {
  constructor(
    private readonly repos: Repositories,
    private readonly now: () => Date,
  ) {}

  consult(id: string): Promise<ReferenceConsultRow | null> {
    return this.repos.referenceConsults.byId.load(id);
  }

  async consultsOfPatron(
    patronId: string,
    channel: ReferenceConsultRow['channel'] | null,
    args: PageArgs,
    scope: ListScope,
  ): Promise<Page<ReferenceConsultRow>> {
    const size = pageSize(args.first);
    const key = {
      patronId,
      channel,
      librarianId: scope.librarianId,
      ranges: scope.ranges,
      size,
      afterId: decodeCursor(args.after),
    };
    return toPage(await this.repos.referenceConsults.pageOfPatron.load(key), size);
  }

  async record(actor: Principal, input: unknown): Promise<ReferenceConsultRow> {
    const data = v.parseInput(recordInput, input);
    const patron = data.patronId ? await this.repos.patrons.byId.load(data.patronId) : null;
    if (data.patronId && !patron) throw notFound('Patron');
    const at = this.now();
    const finished = data.finished ?? true;
    return this.repos.referenceConsults.insert({
      id: newId('rc'),
      patronId: data.patronId ?? null,
      librarianId: actor.id!,
      channel: data.channel,
      question: data.question,
      answerSummary: data.answerSummary ?? null,
      status: finished ? 'FINISHED' : 'OPEN',
      startedAt: at,
      finishedAt: finished ? at : null,
      patronAgeBand: patron ? ageBand(patron.birthDate, at) : null,
    });
  }
}
