// The signed-in principal, in memory only: no cookie, no storage, nothing in the URL. Closing or
// reloading the tab signs out.
import type { AccessPurpose } from '../auth/purpose.js';

export interface Claims {
  sub: string;
  roles: string[];
  patronId: string | null;
}

export interface Session {
  token: string;
  claims: Claims;
  purpose: AccessPurpose | null;
}

let current: Session | null = null;

export const session = () => current;
export const signOut = () => {
  current = null;
};

/** Reads the token's claims for display and navigation; the server verifies the token itself. */
export function decodeClaims(token: string): Claims | null {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const c = JSON.parse(json) as { sub?: unknown; roles?: unknown; patron_id?: unknown };
    if (typeof c.sub !== 'string') return null;
    return {
      sub: c.sub,
      roles: Array.isArray(c.roles)
        ? c.roles.filter((r): r is string => typeof r === 'string')
        : [],
      patronId: typeof c.patron_id === 'string' ? c.patron_id : null,
    };
  } catch {
    return null;
  }
}

export function signIn(token: string, purpose: AccessPurpose | null): Session | null {
  const claims = decodeClaims(token.trim());
  if (!claims) return null;
  current = { token: token.trim(), claims, purpose };
  return current;
}

export function setPurpose(purpose: AccessPurpose | null): void {
  if (current) current.purpose = purpose;
}

export const isPatron = (s: Session) => s.claims.patronId !== null;
