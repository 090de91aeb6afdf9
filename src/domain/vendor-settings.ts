// Settings of vendor card verification (regulation 7): lockout, good standing, and the server
// secret behind per-vendor pseudonymous patron ids. Built once per server from the configuration.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

export interface VendorSettings {
  /** Wrong PINs within `lockMinutes` that lock a card for one vendor. */
  maxPinAttempts: number;
  lockMinutes: number;
  /** Owed fines at or above this many cents mean "not in good standing". */
  fineLimitCents: number;
  /** The server secret (loaded lazily: only verifyCard needs it). */
  pseudonymKey(): Buffer;
}

const KEY_FILE = 'vendor-pseudonym.key';

export function vendorSettingsFrom(config: Config): VendorSettings {
  let key: Buffer | null = config.VENDOR_PSEUDONYM_KEY
    ? Buffer.from(config.VENDOR_PSEUDONYM_KEY, 'base64')
    : null;
  return {
    maxPinAttempts: config.VENDOR_PIN_MAX_ATTEMPTS,
    lockMinutes: config.VENDOR_PIN_LOCK_MINUTES,
    fineLimitCents: config.VENDOR_FINE_LIMIT_CENTS,
    pseudonymKey: () => (key ??= loadOrCreateKey(config.DATA_DIR)),
  };
}

/** Defaults with a key that lives as long as the process (contexts built outside a server: benchmarks). */
export const EPHEMERAL_VENDOR_SETTINGS: VendorSettings = (() => {
  const key = randomBytes(32);
  return { maxPinAttempts: 5, lockMinutes: 15, fineLimitCents: 1000, pseudonymKey: () => key };
})();

/** The embedded default keeps its secret beside the database; 0600 like the development signing key. */
function loadOrCreateKey(dataDir: string): Buffer {
  const path = join(dataDir, KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length < 32) throw new Error(`${KEY_FILE} in DATA_DIR holds fewer than 32 bytes`);
  return key;
}

/**
 * A vendor's stable pseudonym for a patron: HMAC-SHA256 of the patron id under a key derived for
 * that vendor alone, so two vendors cannot join their pseudonyms, and neither can recover the id.
 */
export function vendorPseudonym(serverKey: Buffer, vendorId: string, patronId: string): string {
  const vendorKey = createHmac('sha256', serverKey)
    .update(`vendor-pseudonym\u0000${vendorId}`)
    .digest();
  return `vp_${createHmac('sha256', vendorKey).update(patronId).digest('base64url')}`;
}
