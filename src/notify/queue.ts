/** Queues notifications (new hold, approval task, escalation) in the outbox, inside the change's own transaction. */
import type { Outbox } from '../store/outbox.js';
import { planNotifications, type NotificationContent, type RecipientSpec } from './plan.js';

export type NotifyRoles = (content: NotificationContent, roles: readonly string[]) => void;

export function createNotificationQueue(
  outbox: Outbox,
  recipients: readonly RecipientSpec[],
  kick: () => void,
): NotifyRoles {
  return (content, roles) => {
    const messages = planNotifications(content, roles, recipients);
    const at = typeof content.event.at === 'string' ? content.event.at : new Date().toISOString();
    for (const m of messages) {
      const target = m.channel === 'email' ? m.to.join(',') : m.channel === 'mqtt' ? m.role : 'webhook';
      outbox.enqueue({ orderingKey: `notify:${m.channel}:${target}`, type: 'NOTIFY', payload: m, at });
    }
    // The timer fires after this transaction commits (same turn, synchronous commit).
    if (messages.length > 0) kick();
  };
}
