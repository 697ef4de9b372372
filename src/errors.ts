/**
 * Coded errors. Every error a user, a device or a script can meet carries a stable
 * code (logged, returned by the API, listed in README) so it can be searched and
 * handled without parsing the message.
 */
export const ErrorCode = {
  CONFIG_INVALID: 'HG_CONFIG_INVALID',
  CONFIG_UNREADABLE: 'HG_CONFIG_UNREADABLE',
  PROFILE_INVALID: 'HG_PROFILE_INVALID',
  STORE_TOO_NEW: 'HG_STORE_TOO_NEW',
  STORE_COMMIT_FAILED: 'HG_STORE_COMMIT_FAILED',
  STORE_CLOSED: 'HG_STORE_CLOSED',
  STORE_IN_USE: 'HG_STORE_IN_USE',
  MQTT_NOT_AUTHORIZED: 'HG_MQTT_NOT_AUTHORIZED',
  BACKLOG_FULL: 'HG_BACKLOG_FULL',
  INTERNAL: 'HG_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class HoldgateError extends Error {
  readonly code: ErrorCode;
  /** Human-readable lines (e.g. one per config problem), printed as a list. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, details: readonly string[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'HoldgateError';
    this.code = code;
    this.details = details;
  }
}

/**
 * A refused domain operation (split that does not add up, unknown hold, wrong state).
 * The code is specific to the refusal (e.g. HG_SPLIT_NOT_CONSERVED); the API maps it to 4xx.
 */
export class DomainError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code.startsWith('HG_') ? code : `HG_${code}`;
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

export function isHoldgateError(err: unknown): err is HoldgateError {
  return err instanceof HoldgateError;
}
