// The console's one door to the API: POST /console/graphql with the session's token and stated
// purpose, so the server's rules and audit apply to every click. Errors come back in plain words.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const PLAIN: Record<string, (e: ApiError) => string> = {
  UNAUTHENTICATED: () => 'You are not signed in, or your sign-in has expired. Sign in again.',
  FORBIDDEN: () =>
    'You are not allowed to see or do this, so nothing was shown or changed. The refusal is recorded in the audit log.',
  PURPOSE_REQUIRED: () =>
    'Choose the purpose of this work first (at the top of the page): staff state why they read personal data.',
  AUDIT_UNAVAILABLE: (e) =>
    `The access could not be recorded in the audit log, so nothing is shown. Try again later${ref(e)}.`,
  RATE_LIMITED: (e) =>
    `Too many refused requests from your account. Wait ${Number(e.extensions.retryAfterSeconds ?? 60)} seconds and try again.`,
  BAD_USER_INPUT: (e) => `Something in the form is not right: ${e.message}`,
  INVALID_TRANSITION: (e) =>
    `This request cannot take that step from where it stands: ${e.message}`,
  CONFLICT: (e) => `This could not be done: ${e.message}`,
  NOT_FOUND: () => 'Not found, or not yours to see.',
  LIMIT_EXCEEDED: () => 'The request was too large for the server. Narrow it and try again.',
  NETWORK: () => 'The server could not be reached. Check the connection and try again.',
};

function ref(e: ApiError): string {
  const id = e.extensions.requestId;
  return typeof id === 'string' ? `; quote request id ${id} to an administrator` : '';
}

/** What to tell the person, in plain words, for an error of the API. */
export function plainWords(err: unknown): string {
  if (err instanceof ApiError)
    return (PLAIN[err.code] ?? ((e) => `Something went wrong on the server${ref(e)}.`))(err);
  return 'Something went wrong in the console. Reload the page and sign in again.';
}

/** Runs a named operation; throws ApiError on any error (a partial answer is not shown). */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const s = session();
  if (!s) throw new ApiError('UNAUTHENTICATED', 'not signed in');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${s.token}`,
  };
  if (s.purpose) headers['x-access-purpose'] = s.purpose;
  let res: Response;
  try {
    res = await fetch('/console/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', 'network');
  }
  const body = (await res.json().catch(() => ({}))) as {
    data?: T | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  const first = body.errors?.[0];
  if (first) {
    const ext = first.extensions ?? {};
    throw new ApiError(String(ext.code ?? 'INTERNAL_SERVER_ERROR'), first.message, ext);
  }
  if (!body.data) throw new ApiError('INTERNAL_SERVER_ERROR', 'no data');
  return body.data;
}
