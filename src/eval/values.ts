/**
 * Numbers and dates as the Numeric and Date condition operators read them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
 */

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** An integer or decimal; undefined when the text is not one. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

// The W3C profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, then hh:mm, hh:mm:ss, hh:mm:ss.s with a zone).
// https://www.w3.org/TR/NOTE-datetime
const W3C_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const EPOCH = /^[+-]?\d+(\.\d+)?$/;

/**
 * Epoch milliseconds of a date condition value or context value: a W3C ISO 8601 date/time or epoch
 * seconds. A time without a zone is read as UTC (AWS states times in UTC); undefined when unreadable.
 */
export function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (EPOCH.test(t) && !/^\d{4}$/.test(t)) return Number(t) * 1000;
  const m = W3C_DATE.exec(t);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0)))
    return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2));
    if (zh > 23 || zm > 59) return undefined;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
