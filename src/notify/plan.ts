/**
 * Who hears about a new hold, and how: the roles its rule names, matched against the
 * configured recipients (role, optional plants) — one message per channel and target.
 * Pure: the result is queued in the outbox inside the hold's own transaction.
 */
import type { Role } from '../access/roles.js';

export interface RecipientSpec {
  role: Role;
  plants?: string[];
  email: string[];
  webhook: boolean;
  mqtt: boolean;
}

export type NotificationMessage =
  | {
      channel: 'email';
      to: string[];
      roles: string[];
      subject: string;
      text: string;
      event: Record<string, unknown>;
    }
  | { channel: 'webhook'; roles: string[]; event: Record<string, unknown> }
  | { channel: 'mqtt'; role: string; event: Record<string, unknown> };

/** Any notification: what the message says and which plant it concerns (for recipients' plant filters). */
export interface NotificationContent {
  subject: string;
  text: string;
  plant: string | null;
  event: Record<string, unknown> & { type: string };
}

export interface NotificationEvent {
  type: 'HOLD_PLACED';
  holdId: string;
  holdType: string;
  severity: string | null;
  reason: string;
  plant: string | null;
  lines: { lotId: string | null; quantity: number; uom: string; serials: number }[];
  rule: string | null;
  at: string;
}

/** The content of a hold-placed notification. */
export function holdContent(event: NotificationEvent): NotificationContent {
  const qty = event.lines
    .map((l) => (l.lotId ? `${l.lotId}: ${l.quantity} ${l.uom}` : `${l.serials} serial(s)`))
    .join('; ');
  return {
    subject:
      `[Holdgate] ${event.severity ?? ''} ${event.holdType} hold ${event.holdId}${event.plant ? ` at ${event.plant}` : ''}`
        .replace(/\s+/g, ' ')
        .trim(),
    text: [
      `Hold ${event.holdId} (${event.holdType}${event.severity ? `, ${event.severity}` : ''}) was placed at ${event.at}.`,
      '',
      `Reason: ${event.reason}`,
      `Material: ${qty}`,
      event.rule ? `Placed by rule ${event.rule}.` : '',
      '',
      'Review it in Holdgate: /api/v1/holds/' + event.holdId,
    ].join('\n'),
    plant: event.plant,
    event: { ...event },
  };
}

export interface AttachedEvent {
  type: 'HOLD_EVENT_ATTACHED';
  holdId: string;
  plant: string | null;
  rule: string;
  /** Classified events behind the hold now, this one included. */
  events: number;
  kind: string;
  result: string;
  serials: string[];
  codes: string[];
  at: string;
}

/**
 * Another event joined a hold. Sent at 2, 4, 8, … events: the MRB hears that failures go on
 * (maybe while it decides) without a message per failing board.
 */
export function shouldNotifyAttach(events: number): boolean {
  return events >= 2 && (events & (events - 1)) === 0;
}

export function attachContent(event: AttachedEvent): NotificationContent {
  const what = `${event.kind} ${event.result}${event.codes.length ? ` (${event.codes.join(', ')})` : ''}`;
  const on = event.serials.length
    ? ` on ${event.serials.slice(0, 3).join(', ')}${event.serials.length > 3 ? '…' : ''}`
    : '';
  return {
    subject: `[Holdgate] hold ${event.holdId}: ${event.events} events now${event.plant ? ` at ${event.plant}` : ''}`,
    text: [
      `Another ${what}${on} joined hold ${event.holdId} at ${event.at} (rule ${event.rule}).`,
      `${event.events} events are behind this hold now; this message repeats at 2, 4, 8, … events.`,
      '',
      'Review it in Holdgate: /api/v1/holds/' + event.holdId,
    ].join('\n'),
    plant: event.plant,
    event: { ...event },
  };
}

export function planNotifications(
  content: NotificationContent,
  roles: readonly string[],
  recipients: readonly RecipientSpec[],
): NotificationMessage[] {
  const matching = recipients.filter(
    (r) =>
      roles.includes(r.role) &&
      (!r.plants || r.plants.length === 0 || (content.plant !== null && r.plants.includes(content.plant))),
  );
  const out: NotificationMessage[] = [];
  const emails = [...new Set(matching.flatMap((r) => r.email))].sort();
  if (emails.length > 0)
    out.push({
      channel: 'email',
      to: emails,
      roles: [...new Set(matching.filter((r) => r.email.length > 0).map((r) => r.role))],
      subject: content.subject,
      text: content.text,
      event: content.event,
    });
  const webhookRoles = [...new Set(matching.filter((r) => r.webhook).map((r) => r.role))];
  if (webhookRoles.length > 0) out.push({ channel: 'webhook', roles: webhookRoles, event: content.event });
  for (const role of [...new Set(matching.filter((r) => r.mqtt).map((r) => r.role))])
    out.push({ channel: 'mqtt', role, event: content.event });
  return out;
}
