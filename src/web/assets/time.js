// SPDX-License-Identifier: LGPL-2.1-or-later
// Times as the hub shows them: Asia/Ho_Chi_Minh, a fixed UTC+07:00 (Viet
// Nam keeps no daylight saving time), whatever zone the browser is in.
import { locale } from './i18n.js';

export const ZONE = 'Asia/Ho_Chi_Minh';
const OFFSET_MS = 7 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;

const pad = (n) => String(n).padStart(2, '0');

// The wall clock in Viet Nam at @date, as UTC fields of a shifted Date.
function shifted(date) {
  return new Date(date.getTime() + OFFSET_MS);
}

// 'YYYY-MM-DD' of @date in Viet Nam.
export function isoDate(date) {
  const s = shifted(date);
  return `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())}`;
}

// 'HH:MM' of @date in Viet Nam.
export function hhmm(date) {
  const s = shifted(date);
  return `${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}`;
}

// Minutes since midnight in Viet Nam.
export function minutesOfDay(date) {
  const s = shifted(date);
  return s.getUTCHours() * 60 + s.getUTCMinutes();
}

// The Date of Monday 00:00 in Viet Nam of the week holding @date.
export function weekStart(date) {
  const s = shifted(date);
  const dow = (s.getUTCDay() + 6) % 7;   // Monday 0 ... Sunday 6
  const midnight = Date.UTC(s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate()) - OFFSET_MS;
  return new Date(midnight - dow * DAY_MS);
}

// RFC 3339 with the Viet Nam offset, to the second, as the API wants it.
export function rfc3339(date) {
  const s = shifted(date);
  return `${isoDate(date)}T${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}:${pad(s.getUTCSeconds())}+07:00`;
}

// A date ('YYYY-MM-DD') and a time ('HH:MM') read in Viet Nam.
export function fromLocal(day, time) {
  return new Date(`${day}T${time}:00+07:00`);
}

export function formatDateTime(value) {
  if (!value)
    return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    return String(value);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: ZONE, dateStyle: 'short', timeStyle: 'short',
  }).format(date);
}

export function formatDay(date) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone: ZONE, day: '2-digit', month: '2-digit',
  }).format(date);
}

// '1:05:30' or '5:30' from seconds.
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
