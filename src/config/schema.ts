/**
 * The configuration schema: the single source of the config's types, defaults and
 * validation. Keys are snake_case because they live in YAML; messages name the fix.
 */
import { z } from 'zod';
import { HOLD_TYPES, OPERATIONS } from '../holds/types.js';
import { ROLES } from '../access/roles.js';

const port = z
  .number()
  .int('must be a whole number (use a port such as 1883)')
  .min(0, 'must be 0..65535 (0 picks a free port)')
  .max(65535, 'must be 0..65535 (0 picks a free port)');

const host = z.string().min(1, 'must not be empty (use 0.0.0.0 for all interfaces or 127.0.0.1)');

/** A secret that must stay plain (ERP password, HMAC key) never sits in the YAML itself. */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().min(1, 'name an environment variable') }),
  z.strictObject({ file: z.string().min(1, 'give the path of a file holding the secret') }),
]);

const websocketSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: host.default('0.0.0.0'),
  port: port.default(8083),
});

const file = z.string().min(1, 'give a file path');

const tlsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: host.default('0.0.0.0'),
  port: port.default(8883),
  cert_file: file.optional(),
  key_file: file.optional(),
  // With a CA, devices must present a client certificate signed by it.
  ca_file: file.optional(),
});

const embeddedBrokerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: host.default('0.0.0.0'),
  port: port.default(1883),
  // false: TLS (and WebSocket, if enabled) only, no plain MQTT listener.
  plaintext: z.boolean().default(true),
  tls: tlsSchema.prefault({}),
  websocket: websocketSchema.prefault({}),
});

const topicFilter = z.string().min(1, 'give an MQTT topic filter such as cfx/+/L1/#');

const deviceSchema = z.strictObject({
  // The MQTT username the device connects with; also its id in the event log.
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'use letters, digits, dot, dash, colon or underscore'),
  password_hash: z
    .string()
    .regex(
      /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/,
      'must be a scrypt hash (make one with: holdgate hash-password)',
    ),
  publish: z.array(topicFilter).default([]),
  subscribe: z.array(topicFilter).default([]),
});

const clientSchema = z.strictObject({
  enabled: z.boolean().default(false),
  url: z
    .string()
    .regex(
      /^(mqtts?|wss?):\/\/[^\s]+$/,
      'must be a broker URL such as mqtt://broker.plant.local:1883 or mqtts://…:8883',
    )
    .optional(),
  // Fixed, so the plant broker keeps Holdgate's session (clean: false) across restarts.
  client_id: z.string().min(1).max(128).optional(),
  username: z.string().optional(),
  password: secretRefSchema.optional(),
  ca_file: file.optional(),
  // Default: every device profile's topics.
  topics: z.array(topicFilter).optional(),
  keepalive_s: z.number().int().min(5).max(3600).default(30),
});

export const configSchema = z.strictObject({
  version: z.literal(1, 'must be 1 (the only config version this release reads)').default(1),
  gateway: z
    .strictObject({
      id: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 letters, digits, dot, dash or underscore')
        .default('holdgate-01'),
      plant: z.string().min(1, 'name the plant this gateway serves').default('PLANT-1'),
      mode: z.enum(['production', 'demo'], 'must be production or demo').default('production'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z
        .enum(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          'must be a pino level such as info',
        )
        .default('info'),
    })
    .prefault({}),
  store: z
    .strictObject({
      path: z.string().min(1, 'give the SQLite file path').default('/var/lib/holdgate/holdgate.db'),
      // FULL: an acknowledged event survives power loss, not only a process crash.
      synchronous: z.enum(['full', 'normal'], 'must be full or normal').default('full'),
      // 0 = flush on the next event-loop turn (setImmediate); >0 = also wait this long.
      batch_window_ms: z.number().int().min(0).max(100, 'keep the window ≤ 100 ms').default(0),
      max_batch: z.number().int().min(1).max(100_000).default(2000),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      embedded: embeddedBrokerSchema.prefault({}),
      allow_anonymous: z.boolean().default(false),
      devices: z.array(deviceSchema).default([]),
      client: clientSchema.prefault({}),
    })
    .prefault({}),
  http: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: host.default('127.0.0.1'),
      port: port.default(8080),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      max_payload_bytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(256 * 1024),
      // Oversized raw payloads are kept up to this many bytes in the dead-letter table.
      dead_letter_max_bytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
    })
    .prefault({}),
  profiles: z
    .strictObject({
      devices_dir: z.string().min(1).default('/etc/holdgate/devices'),
      // Sync target profiles (ERP, WMS, …); a missing folder means no targets.
      sync_dir: z.string().min(1).default('/etc/holdgate/sync'),
    })
    .prefault({}),
  plant: z
    .strictObject({
      // IANA zone the shifts below are written in.
      timezone: z
        .string()
        .refine((tz) => {
          try {
            new Intl.DateTimeFormat('en-GB', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        }, 'is not an IANA time zone (e.g. Europe/Berlin or UTC)')
        .default('UTC'),
      shifts: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)'),
          }),
        )
        .min(1)
        .default([
          { name: 'A', start: '06:00' },
          { name: 'B', start: '14:00' },
          { name: 'C', start: '22:00' },
        ]),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      mqtt: z
        .strictObject({
          enabled: z.boolean().default(true),
          // Published on the embedded broker as <prefix>/<role>.
          topic_prefix: z.string().min(1).default('holdgate/notifications'),
        })
        .prefault({}),
      webhook: z
        .strictObject({
          url: z.url('must be an http(s) URL').optional(),
          // HMAC-SHA256 of the body, sent as X-Holdgate-Signature: sha256=<hex>.
          secret: secretRefSchema.optional(),
          timeout_ms: z.number().int().min(100).max(60_000).default(5000),
        })
        .prefault({}),
      email: z
        .strictObject({
          host: z.string().min(1).optional(),
          port: port.default(25),
          // true = TLS from the first byte (port 465); false = plain, upgraded by STARTTLS when offered.
          secure: z.boolean().default(false),
          username: z.string().optional(),
          password: secretRefSchema.optional(),
          from: z.string().min(3).default('Holdgate <holdgate@localhost>'),
        })
        .prefault({}),
      recipients: z
        .array(
          z.strictObject({
            role: z.enum(ROLES, `must be one of ${ROLES.join(', ')}`),
            // Omitted: every plant.
            plants: z.array(z.string().min(1)).optional(),
            email: z.array(z.email('must be an e-mail address')).default([]),
            webhook: z.boolean().default(false),
            mqtt: z.boolean().default(true),
          }),
        )
        .default([]),
      retry: z
        .strictObject({
          max_attempts: z.number().int().min(1).max(1000).default(50),
          base_ms: z.number().int().min(10).default(1000),
          max_ms: z.number().int().min(100).default(300_000),
        })
        .prefault({}),
    })
    .prefault({}),
  sync: z
    .strictObject({
      // The store holds business records: at the hard bound new work is refused, never dropped.
      bounds: z
        .strictObject({
          soft_rows: z.number().int().min(1).default(100_000),
          hard_rows: z.number().int().min(1).default(1_000_000),
          soft_bytes: z
            .number()
            .int()
            .min(1)
            .default(256 * 1024 * 1024),
          hard_bytes: z
            .number()
            .int()
            .min(1)
            .default(2 * 1024 * 1024 * 1024),
          // Free space left on the store's file system below which new work is refused.
          min_free_disk_mb: z.number().int().min(0).default(256),
          // Below this much free space an alarm is raised (soft level) while work still goes on,
          // so plant IT can make room before the hard bound stops ingest.
          soft_free_disk_mb: z.number().int().min(0).default(2048),
          check_ms: z.number().int().min(100).default(2000),
        })
        .prefault({}),
      // Roles told when the backlog crosses a bound.
      notify: z.array(z.enum(ROLES)).default(['plant_manager']),
    })
    .prefault({}),
  approvals: z
    .strictObject({
      // How often overdue approval steps are looked for (deadlines live in the store).
      escalation_check_ms: z.number().int().min(100).max(3_600_000).default(30_000),
    })
    .prefault({}),
  containment: z
    .strictObject({
      rules_file: z.string().min(1).default('/etc/holdgate/rules.yaml'),
      // Material Holdgate has never seen: allow (no hold can cover it) or deny.
      unknown_material: z.enum(['allow', 'deny'], 'must be allow or deny').default('allow'),
      block_policies: z
        .partialRecord(
          z.enum(HOLD_TYPES),
          z.array(z.enum(OPERATIONS, `must be one of ${OPERATIONS.join(', ')}`)),
        )
        .default({}),
    })
    .prefault({}),
});

/**
 * Checks across settings. They run on the raw input with the schema's defaults filled
 * in by hand, so they are reported together with type errors elsewhere in the file
 * (zod skips refinements on an object that already failed).
 */
export function crossChecks(raw: unknown): string[] {
  const get = (path: string[], fallback: unknown): unknown => {
    let cur = raw;
    for (const key of path)
      cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[key] : undefined;
    return cur ?? fallback;
  };
  const problems: string[] = [];
  if (get(['mqtt', 'allow_anonymous'], false) === true && get(['gateway', 'mode'], 'production') !== 'demo')
    problems.push(
      'mqtt.allow_anonymous: anonymous devices are allowed only in demo mode (set it to false and give devices credentials)',
    );
  const mqttPort = get(['mqtt', 'embedded', 'port'], 1883);
  if (
    get(['mqtt', 'embedded', 'websocket', 'enabled'], false) === true &&
    mqttPort !== 0 &&
    get(['mqtt', 'embedded', 'websocket', 'port'], 8083) === mqttPort
  )
    problems.push(
      'mqtt.embedded.websocket.port: is the same as mqtt.embedded.port (give the WebSocket listener its own port)',
    );
  if (get(['mqtt', 'embedded', 'tls', 'enabled'], false) === true) {
    for (const key of ['cert_file', 'key_file'])
      if (get(['mqtt', 'embedded', 'tls', key], undefined) === undefined)
        problems.push(`mqtt.embedded.tls.${key}: is required when TLS is enabled (give the PEM file's path)`);
  }
  if (
    get(['mqtt', 'client', 'enabled'], false) === true &&
    get(['mqtt', 'client', 'url'], undefined) === undefined
  )
    problems.push(
      'mqtt.client.url: is required when client mode is enabled (e.g. mqtt://broker.plant.local:1883)',
    );
  if (
    get(['mqtt', 'embedded', 'enabled'], true) !== true &&
    get(['mqtt', 'client', 'enabled'], false) !== true
  )
    problems.push(
      'mqtt: neither the embedded broker nor client mode is enabled (enable at least one, or no device can reach Holdgate)',
    );
  const each = (path: string[], fn: (item: Record<string, unknown>, i: number) => void) => {
    const list = get(path, []);
    if (Array.isArray(list)) list.forEach((x: unknown, i) => fn((x ?? {}) as Record<string, unknown>, i));
  };
  const seen = new Set<unknown>();
  each(['mqtt', 'devices'], (d, i) => {
    if (d.id !== undefined && seen.has(d.id))
      problems.push(
        `mqtt.devices[${i}].id: ${JSON.stringify(d.id)} is listed twice (give each device its own id)`,
      );
    seen.add(d.id);
  });
  each(['notifications', 'recipients'], (r, i) => {
    if (r.webhook === true && get(['notifications', 'webhook', 'url'], undefined) === undefined)
      problems.push(
        `notifications.recipients[${i}].webhook: needs notifications.webhook.url (set the receiver's URL)`,
      );
    if (
      Array.isArray(r.email) &&
      r.email.length > 0 &&
      get(['notifications', 'email', 'host'], undefined) === undefined
    )
      problems.push(`notifications.recipients[${i}].email: needs notifications.email.host (the SMTP server)`);
  });
  return problems;
}

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
