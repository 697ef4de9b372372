/**
 * Logs a repeating problem once per burst: the first occurrence in full, then one
 * summary line with the count when the burst is over. A device stuck sending bad
 * payloads at 1 kHz must not flood journald.
 */
import type { Logger } from '../log.js';

interface Burst {
  suppressed: number;
  timer: NodeJS.Timeout;
}

export class BurstLogger {
  private readonly bursts = new Map<string, Burst>();

  constructor(
    private readonly log: Logger,
    private readonly windowMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const burst = this.bursts.get(key);
    if (burst) {
      burst.suppressed++;
      return;
    }
    this.log.warn(fields, msg);
    const timer = setTimeout(() => {
      const b = this.bursts.get(key);
      this.bursts.delete(key);
      if (b && b.suppressed > 0)
        this.log.warn(
          { ...fields, suppressed: b.suppressed },
          `${msg} (repeated ${b.suppressed} more times)`,
        );
    }, this.windowMs);
    timer.unref();
    this.bursts.set(key, { suppressed: 0, timer });
  }

  stop(): void {
    for (const b of this.bursts.values()) clearTimeout(b.timer);
    this.bursts.clear();
  }
}
