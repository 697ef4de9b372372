/** Which shift an instant falls in, from the plant's shift start times in its own time zone. */
export class ShiftCalendar {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly starts: { name: string; minute: number }[];

  constructor(timezone: string, shifts: readonly { name: string; start: string }[]) {
    this.fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    this.starts = shifts
      .map((s) => ({ name: s.name, minute: Number(s.start.slice(0, 2)) * 60 + Number(s.start.slice(3, 5)) }))
      .sort((a, b) => a.minute - b.minute);
  }

  private lastMinute = '';
  private lastShift = '';

  shiftAt(iso: string): string {
    // Events arrive in bursts within the same minute; Intl formatting costs microseconds.
    const minuteKey = iso.slice(0, 16);
    if (minuteKey === this.lastMinute) return this.lastShift;
    const shift = this.compute(iso);
    this.lastMinute = minuteKey;
    this.lastShift = shift;
    return shift;
  }

  private compute(iso: string): string {
    const [h, m] = this.fmt.format(new Date(iso)).split(':').map(Number) as [number, number];
    const minute = h * 60 + m;
    // Before the first start of the day is still the last shift of the previous day.
    let current = this.starts[this.starts.length - 1]!;
    for (const s of this.starts) if (s.minute <= minute) current = s;
    return current.name;
  }
}
