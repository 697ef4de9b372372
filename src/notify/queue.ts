/** Queues a new hold's notifications in the outbox, inside the hold's own transaction. */
import type { Outbox } from '../store/outbox.js';
import { planNotifications, type NotificationEvent, type RecipientSpec } from './plan.js';

export type NotifyHold = (event: NotificationEvent, roles: readonly string[]) => void;

export function createNotificationQueue(
  outbox: Outbox,
  recipients: readonly RecipientSpec[],
  kick: () => void,
): NotifyHold {
  return (event, roles) => {
    const messages = planNotifications(event, roles, recipients);
    for (const m of messages) {
      const target = m.channel === 'email' ? m.to.join(',') : m.channel === 'mqtt' ? m.role : 'webhook';
      outbox.enqueue({
        orderingKey: `notify:${m.channel}:${target}`,
        type: 'NOTIFY',
        payload: m,
        at: event.at,
      });
    }
    // The timer fires after this transaction commits (same turn, synchronous commit).
    if (messages.length > 0) kick();
  };
}
