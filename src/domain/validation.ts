// Input validation at the service boundary: one zod parse per input, a typed BAD_USER_INPUT error
// naming the offending field (never echoing its value), then values are trusted inside. Before the
// parse, every string of every input is screened for a payment card number (regulation 10).
import { z } from 'zod';
import { badInput, paymentCardRefused } from './errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const card = (schema as z.ZodType) === cardNumber ? null : findPaymentCardNumber(input);
  if (card !== null) throw paymentCardRefused(card || undefined);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw badInput(
    `Invalid input${field ? ` at ${field}` : ''}: ${issue.message}.`,
    field || undefined,
  );
}

/** Luhn (mod 10) check over a digit string, as library barcodes and payment cards use. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Runs of digit groups separated by single spaces or hyphens (how card numbers are written). */
const DIGIT_RUN = /\d+(?:[ \u00a0-]\d+)*/g;

/**
 * Whether a text holds what looks like a full payment card number: 13 to 19 digits, written
 * together or in groups, passing the Luhn check (regulation 10: a card number is never kept).
 */
export function containsPaymentCardNumber(text: string): boolean {
  for (const run of text.matchAll(DIGIT_RUN)) {
    const groups = run[0].split(/[ \u00a0-]/);
    for (let i = 0; i < groups.length; i++) {
      let digits = '';
      for (let j = i; j < groups.length && digits.length + groups[j]!.length <= 19; j++) {
        digits += groups[j];
        if (digits.length >= 13 && luhnValid(digits)) return true;
      }
    }
  }
  return false;
}

/** Input fields that hold the library's own card number (a barcode, not a payment card). */
const LIBRARY_CARD_FIELDS = new Set(['cardNumber']);
const LIBRARY_BARCODE = /^2\d{13}$/;

/**
 * The path ('' for the input itself) of the first string in an input that holds a payment card
 * number, or null. A library barcode in a library-card field is exempt: it has the same shape as
 * some payment numbers (14 digits, mod-10 check digit) but is the library's own identifier.
 */
export function findPaymentCardNumber(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') {
    const key = path.at(-1);
    if (key !== undefined && LIBRARY_CARD_FIELDS.has(key) && LIBRARY_BARCODE.test(value.trim()))
      return null;
    return containsPaymentCardNumber(value) ? path.join('.') : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findPaymentCardNumber(value[i], [...path, String(i)]);
      if (hit !== null) return hit;
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const hit = findPaymentCardNumber(v, [...path, k]);
      if (hit !== null) return hit;
    }
  }
  return null;
}

/** A library card: 14 digits, leading 2 (patron barcodes), mod-10 check digit. */
export const cardNumber = z
  .string()
  .regex(/^2\d{13}$/, 'must be a 14-digit library card number')
  .refine(luhnValid, 'check digit does not match');

const trimmed = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const text = trimmed;
export const email = z.string().trim().toLowerCase().max(254).email('must be an e-mail address');
export const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{7,20}$/, 'must be a telephone number (digits, spaces, +, -, parentheses)');
export const postalCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9 -]{3,10}$/, 'must be a postal code');
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real date');
export const id = z.string().regex(/^[a-z]{2,4}_[a-z2-7]{4,32}$/, 'must be an id');
export const cents = z
  .number()
  .int('must be whole cents')
  .min(1, 'must be positive')
  .max(100_000, 'must be at most 100000');
