// SMPP times as text: the absolute time a submit_sm's validity_period takes (SMPP 3.4 §7.1.1)
// and the dates of a delivery receipt's text (Appendix B). Pure; read and written as UTC,
// and a date that does not exist (31 February) is no date, never rolled over.

/** SMPP absolute time (§7.1.1) in UTC: YYMMDDhhmmss, tenths 0, offset "00+". */
export function smppAbsoluteTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    '000+'
  );
}

/** YYMMDDhhmm, or YYMMDDhhmmss as some SMSCs write it; read as UTC. */
export function receiptDate(value: string | null): Date | null {
  const match = value ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value) : null;
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 February over into March: such a date is not one.
  const valid =
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return valid ? date : null;
}
