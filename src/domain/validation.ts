// Input validation at the service boundary: one zod parse per input, a typed BAD_USER_INPUT error
// naming the offending field (never echoing its value), then values are trusted inside.
import { z } from 'zod';
import { badInput } from '../graphql/errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw badInput(`Invalid input${field ? ` at ${field}` : ''}: ${issue.message}.`, field || undefined);
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

/** A library card: 14 digits, leading 2 (patron barcodes), mod-10 check digit. */
export const cardNumber = z
  .string()
  .regex(/^2\d{13}$/, 'must be a 14-digit library card number')
  .refine(luhnValid, 'check digit does not match');

const trimmed = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const text = trimmed;
export const email = z.string().trim().toLowerCase().max(254).email('must be an e-mail address');
export const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{7,20}$/, 'must be a telephone number (digits, spaces, +, -, parentheses)');
export const postalCode = z.string().trim().regex(/^[A-Za-z0-9 -]{3,10}$/, 'must be a postal code');
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real date');
export const id = z.string().regex(/^[a-z]{2,4}_[a-z2-7]{4,32}$/, 'must be an id');
export const cents = z.number().int('must be whole cents').min(1, 'must be positive').max(100_000, 'must be at most 100000');
