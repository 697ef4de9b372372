/**
 * Delivers queued notifications from the outbox (rows of type NOTIFY): e-mail over SMTP
 * (nodemailer), a JSON webhook (undici, HMAC-signed), and an MQTT topic per role. A row
 * leaves the queue only when its channel accepted it; failures are retried with
 * exponential backoff and jitter, and after max_attempts the row is DEAD (visible, never
 * dropped). Rows survive restarts: they are plain outbox rows. Delivery is at least once;
 * the webhook carries the row's Idempotency-Key so a receiver can drop a repeat.
 */
import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { request } from 'undici';
import type { Db } from '../store/db.js';
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { Logger } from '../log.js';
import type { NotificationMessage } from './plan.js';

export interface DispatcherOptions {
  email?: { host: string; port: number; secure: boolean; username?: string; password?: string; from: string };
  webhook?: { url: string; secret?: string; timeoutMs: number };
  mqtt?: { topicPrefix: string; publish: (topic: string, payload: Buffer) => Promise<void> };
  retry: { maxAttempts: number; baseMs: number; maxMs: number };
  pollMs?: number;
}

interface Row {
  seq: number;
  idempotency_key: string;
  payload: string;
  attempts: number;
}

export class NotificationDispatcher {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly inFlight = new Set<number>();
  private transporter?: Transporter;
  private readonly due;
  private readonly mark;

  constructor(
    private readonly db: Db,
    private readonly writer: GroupCommitWriter,
    private readonly opts: DispatcherOptions,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.due = db.prepare(
      `SELECT seq, idempotency_key, payload, attempts FROM outbox WHERE type = 'NOTIFY' AND state = 'QUEUED'
       AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY seq LIMIT 50`,
    );
    this.mark = db.prepare(
      'UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE seq = ?',
    );
  }

  start(): void {
    if (this.opts.email)
      this.transporter = nodemailer.createTransport({
        host: this.opts.email.host,
        port: this.opts.email.port,
        secure: this.opts.email.secure,
        ...(this.opts.email.username
          ? { auth: { user: this.opts.email.username, pass: this.opts.email.password ?? '' } }
          : {}),
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
      });
    this.running = true;
    this.schedule(0);
  }

  /** Look for due rows now (e.g. right after a hold was committed). */
  kick(): void {
    if (this.running) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      const rows = (this.due.all(this.now().toISOString()) as Row[]).filter((r) => !this.inFlight.has(r.seq));
      await Promise.all(rows.map((r) => this.deliver(r)));
    } catch (err) {
      this.log.error({ err }, 'notification dispatch failed');
    }
    if (this.running) this.schedule(this.opts.pollMs ?? 1000);
  }

  private async deliver(row: Row): Promise<void> {
    this.inFlight.add(row.seq);
    const at = () => this.now().toISOString();
    try {
      await this.send(JSON.parse(row.payload) as NotificationMessage, row.idempotency_key);
      await this.writer.submit(() => this.mark.run('ACKED', row.attempts + 1, null, null, at(), row.seq));
    } catch (err) {
      const attempts = row.attempts + 1;
      const dead = attempts >= this.opts.retry.maxAttempts;
      const backoff = Math.min(
        this.opts.retry.maxMs,
        this.opts.retry.baseMs * 2 ** Math.min(attempts - 1, 20),
      );
      const next = new Date(this.now().getTime() + backoff * (0.5 + Math.random() / 2)).toISOString();
      const message = (err as Error).message;
      this.log.warn(
        { seq: row.seq, attempts, dead, err: message },
        dead ? 'notification gave up (DEAD)' : 'notification failed; will retry',
      );
      await this.writer
        .submit(() =>
          this.mark.run(dead ? 'DEAD' : 'QUEUED', attempts, dead ? null : next, message, at(), row.seq),
        )
        .catch(() => undefined);
    } finally {
      this.inFlight.delete(row.seq);
    }
  }

  private async send(msg: NotificationMessage, key: string): Promise<void> {
    switch (msg.channel) {
      case 'email': {
        if (!this.transporter || !this.opts.email)
          throw new Error('e-mail is not configured (notifications.email.host)');
        await this.transporter.sendMail({
          from: this.opts.email.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          headers: { 'X-Holdgate-Key': key },
        });
        return;
      }
      case 'webhook': {
        const w = this.opts.webhook;
        if (!w) throw new Error('the webhook is not configured (notifications.webhook.url)');
        const body = JSON.stringify({ ...msg.event, roles: msg.roles });
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'idempotency-key': key,
        };
        if (w.secret)
          headers['x-holdgate-signature'] =
            `sha256=${createHmac('sha256', w.secret).update(body).digest('hex')}`;
        const res = await request(w.url, {
          method: 'POST',
          body,
          headers,
          headersTimeout: w.timeoutMs,
          bodyTimeout: w.timeoutMs,
        });
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300)
          throw new Error(`webhook answered ${res.statusCode}`);
        return;
      }
      case 'mqtt': {
        if (!this.opts.mqtt) throw new Error('MQTT notifications need the embedded broker');
        await this.opts.mqtt.publish(
          `${this.opts.mqtt.topicPrefix}/${msg.role}`,
          Buffer.from(JSON.stringify({ ...msg.event, role: msg.role, key })),
        );
        return;
      }
    }
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.transporter?.close();
  }
}
