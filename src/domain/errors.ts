// The typed errors clients can rely on, in the domain's words: a code and plain details. The
// GraphQL edge (src/graphql/typed-errors.ts) turns them into GraphQLErrors with `extensions.code`.
// Messages name no person and never echo input values.

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  WRONG_PIN: 'WRONG_PIN',
  CONFIRMATION_REQUIRED: 'CONFIRMATION_REQUIRED',
  CARD_LOCKED: 'CARD_LOCKED',
  /** Too many wrong current PINs: the patron's PIN changes are locked for a while. */
  PIN_LOCKED: 'PIN_LOCKED',
  /** A disclosure request cannot take this step from its status (src/domain/disclosure-requests/transitions.ts). */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** A disclosure request without a written legal instrument (a verbal request) is refused. */
  WRITTEN_INSTRUMENT_REQUIRED: 'WRITTEN_INSTRUMENT_REQUIRED',
  PAYMENT_CARD_NUMBER_REFUSED: 'PAYMENT_CARD_NUMBER_REFUSED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An expected refusal: its code and details reach the client; anything else is masked. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Names, paths and numbers only, never an input value. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  /**
   * The code and details under the name graphql-js copies from an original error onto the error
   * it reports, so a refusal keeps its code on every execution path (also without Apollo's
   * formatError, e.g. graphql-js run directly); formatError gives it the same shape.
   */
  get extensions(): Record<string, unknown> {
    return { code: this.code, ...this.details };
  }
}

const typed = (code: ErrorCode, message: string, details: Record<string, unknown> = {}) =>
  new DomainError(code, message, details);

/** No valid token: the caller should authenticate, whatever record it asked for. */
export const unauthenticated = () =>
  typed(ErrorCode.UNAUTHENTICATED, 'A valid bearer token is required.');

/** Same message whether or not the record exists: a denial must not confirm existence. */
export const forbidden = () => typed(ErrorCode.FORBIDDEN, 'Not authorized to read or change this.');

export const purposeRequired = (allowed: readonly string[]) =>
  typed(
    ErrorCode.PURPOSE_REQUIRED,
    'A stated purpose is required: send an X-Access-Purpose header.',
    { allowedPurposes: allowed },
  );

/** `field` is the input path (never its value). */
export const badInput = (message: string, field?: string) =>
  typed(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

/** Regulation 10: a full payment card number in any input; `field` is its path, never the value. */
export const paymentCardRefused = (field?: string) =>
  typed(
    ErrorCode.PAYMENT_CARD_NUMBER_REFUSED,
    'A payment card number is never accepted: record only the processor token and the last four digits.',
    field ? { field } : {},
  );

export const notFound = (what: string) => typed(ErrorCode.NOT_FOUND, `${what} not found.`);

export const conflict = (message: string) => typed(ErrorCode.CONFLICT, message);

/** The patron's current PIN did not match (self-service PIN change). */
export const wrongPin = () =>
  typed(ErrorCode.WRONG_PIN, 'The current PIN is not correct.', { field: 'currentPin' });

/** An irreversible change asked without its confirmation; `extra` says what it would do. */
export const confirmationRequired = (message: string, extra: Record<string, unknown>) =>
  typed(ErrorCode.CONFIRMATION_REQUIRED, message, extra);

/** Too many wrong PINs for this card at this vendor: locked for a while. */
export const cardLocked = (retryAfterSeconds: number) =>
  typed(
    ErrorCode.CARD_LOCKED,
    'The card is locked for this service after repeated wrong PINs; try again later.',
    { retryAfterSeconds },
  );
/** Too many wrong current PINs at the patron's own PIN change: locked for a while. */
export const pinLocked = (retryAfterSeconds: number) =>
  typed(
    ErrorCode.PIN_LOCKED,
    'PIN changes are locked after repeated wrong PINs; try again later.',
    { retryAfterSeconds },
  );
/** Whole seconds from `at` until `until`, at least 1: what a client waits before trying again. */
export const secondsUntil = (until: Date, at: Date) =>
  Math.max(1, Math.ceil((until.getTime() - at.getTime()) / 1000));
/** `action` and `status` are enum names, never input values. */
export const invalidTransition = (action: string, status: string | null, why?: string) =>
  typed(
    ErrorCode.INVALID_TRANSITION,
    `The step ${action} is not allowed on a disclosure request ${status ? `that is ${status}` : 'that does not exist yet'}${why ? `: ${why}` : ''}.`,
    { action, status },
  );

export const writtenInstrumentRequired = () =>
  typed(
    ErrorCode.WRITTEN_INSTRUMENT_REQUIRED,
    'A disclosure request needs a written legal instrument with its reference and issuing authority; verbal requests are refused.',
  );
