import { hash, randomFillSync } from 'node:crypto';

/** Number of random bytes in a ticket (from the OS CSPRNG). */
export const TICKET_BYTES = 32;
/** Length of a ticket as base64url text (32 bytes → 43 characters, no padding). */
export const TICKET_LENGTH = 43;

const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Tickets drawn per call to the CSPRNG: one system call fills the pool, each ticket takes its own 32 bytes. */
const POOLED_TICKETS = 128;
const pool = Buffer.alloc(TICKET_BYTES * POOLED_TICKETS);
let poolOffset = pool.length;

/**
 * Makes a new unguessable ticket: 32 bytes from the OS CSPRNG, base64url (43 characters). The
 * bytes come from a pool filled 4 KiB at a time (as `crypto.randomUUID` does); each ticket's
 * bytes are used once, and overwritten by the next refill.
 */
export function generateTicket(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const ticket = pool.toString('base64url', poolOffset, poolOffset + TICKET_BYTES);
  poolOffset += TICKET_BYTES;
  return ticket;
}

/** Whether `value` has the length and alphabet of a ticket. Checked before any store access. */
export function isWellFormedTicket(value: string): boolean {
  return value.length === TICKET_LENGTH && TICKET_PATTERN.test(value);
}

/**
 * The store key of a ticket: SHA-256 of the ticket, base64url. The store never sees the
 * ticket itself, so a dump of the store yields no usable ticket.
 */
export function ticketKey(ticket: string): string {
  return hash('sha256', ticket, 'base64url');
}
