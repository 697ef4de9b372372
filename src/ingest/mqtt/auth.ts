/**
 * Who may connect to the embedded broker and what they may publish or subscribe to.
 * Production: every device has its own scrypt-hashed password and topic ACLs.
 * Demo mode may also admit anonymous clients (they get no ACL limits).
 */
import type { AuthenticateError, Client } from 'aedes';
import type { Logger } from '../../log.js';
import { verifyPassword } from './credentials.js';
import { compileAccount, mayPublish, maySubscribe, type DeviceAccount } from './acl.js';

export interface DeviceSpec {
  id: string;
  password_hash: string;
  publish: string[];
  subscribe: string[];
}

/** MQTT 3.1.1 CONNACK return codes (aedes passes them through). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign<Error, { returnCode: number }>(new Error(message), { returnCode });
}

export type Identity = { kind: 'device'; account: DeviceAccount } | { kind: 'anonymous' };

export class BrokerAuth {
  private readonly accounts: Map<string, DeviceAccount>;
  private readonly identities = new WeakMap<Client, Identity>();

  constructor(
    devices: readonly DeviceSpec[],
    private readonly allowAnonymous: boolean,
    private readonly log: Logger,
  ) {
    this.accounts = new Map(devices.map((d) => [d.id, compileAccount(d)]));
  }

  /** aedes `authenticate` handler. */
  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (err: AuthenticateError | null, ok: boolean | null) => void,
  ): void {
    if (username === undefined || username === '') {
      if (this.allowAnonymous) {
        this.identities.set(client, { kind: 'anonymous' });
        return done(null, true);
      }
      this.log.warn(
        { clientId: client.id },
        'MQTT connection refused: anonymous access is off (give the device credentials)',
      );
      return done(authError('not authorized', NOT_AUTHORIZED), false);
    }
    const account = this.accounts.get(username);
    const check =
      account && password ? verifyPassword(password, account.passwordHash) : Promise.resolve(false);
    check.then(
      (ok) => {
        if (!ok || !account) {
          this.log.warn(
            { clientId: client.id, username },
            'MQTT connection refused: bad username or password',
          );
          return done(authError('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
        }
        this.identities.set(client, { kind: 'device', account });
        done(null, true);
      },
      (err: unknown) => {
        this.log.error({ err, username }, 'password check failed');
        done(authError('server error', BAD_USERNAME_OR_PASSWORD), false);
      },
    );
  }

  /** The device id events are recorded under: the account id, else the client id. */
  deviceId(client: Client): string {
    const id = this.identities.get(client);
    return id?.kind === 'device' ? id.account.id : client.id;
  }

  /** Authenticated with device credentials (not an anonymous demo client). */
  isDevice(client: Client): boolean {
    return this.identities.get(client)?.kind === 'device';
  }

  mayPublish(client: Client, topic: string): boolean {
    const id = this.identities.get(client);
    if (!id) return false;
    return id.kind === 'anonymous' || mayPublish(id.account, topic);
  }

  maySubscribe(client: Client, filter: string): boolean {
    const id = this.identities.get(client);
    if (!id) return false;
    return id.kind === 'anonymous' || maySubscribe(id.account, filter);
  }
}
