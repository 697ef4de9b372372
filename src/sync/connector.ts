/** What a connector tells the worker about one delivery attempt. */
export type SendResult =
  | { kind: 'ack' }
  /** Network error, timeout, 5xx, 408, 409, 429: try again later (Retry-After honoured). */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** 401: log in again, then retry. */
  | { kind: 'reauth'; reason: string }
  /** 403: this target refuses us; stop it with an alarm, keep its rows queued. */
  | { kind: 'stop'; reason: string }
  /** Other 4xx or a business rejection: the row goes to the exception queue. */
  | { kind: 'reject'; reason: string };

export interface OutgoingRow {
  seq: number;
  idempotencyKey: string;
  type: string;
  orderingKey: string;
  payload: unknown;
  createdAt: string;
}

export interface Connector {
  /**
   * Sends rows (one, or a batch when the target allows): one result for all of them, or
   * one per row in the same order when the target answers each document separately.
   */
  send(rows: OutgoingRow[]): Promise<SendResult | SendResult[]>;
  login?(): Promise<void>;
  close(): Promise<void>;
}

/** One result per row, whichever form the connector answered in. */
export function perRow(result: SendResult | SendResult[], count: number): SendResult[] {
  if (!Array.isArray(result)) return Array.from({ length: count }, () => result);
  if (result.length !== count)
    throw new Error(`connector answered ${result.length} results for ${count} rows`);
  return result;
}

/** Status → result, for HTTP-speaking connectors. */
export function classifyHttp(
  status: number,
  retryAfter: string | string[] | undefined,
  body: string,
): SendResult {
  if (status >= 200 && status < 300) return { kind: 'ack' };
  const reason = `HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`;
  if (status >= 500 || status === 408 || status === 409 || status === 429) {
    const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    let retryAfterMs: number | undefined;
    if (header) {
      const secs = Number(header);
      retryAfterMs = Number.isFinite(secs) ? secs * 1000 : Math.max(0, Date.parse(header) - Date.now());
    }
    return { kind: 'retry', reason, retryAfterMs };
  }
  if (status === 401) return { kind: 'reauth', reason };
  if (status === 403) return { kind: 'stop', reason };
  return { kind: 'reject', reason };
}
