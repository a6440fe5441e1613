// SPDX-License-Identifier: LGPL-2.1-or-later
// Attendance of past conferences and the audit log.  The conferences to
// pick from are those the audit log and the recent bookings name.
import { listOf } from './api.js';
import { t, onLanguageChange } from './i18n.js';
import { DAY_MS, formatDateTime, formatDuration, rfc3339 } from './time.js';
import { showProblem, hideMessage } from './forms.js';

const LOOKBACK_DAYS = 60;

function cell(text, tag = 'td') {
  const node = document.createElement(tag);
  node.textContent = text;
  if (tag === 'th')
    node.scope = 'row';
  return node;
}

// Talk time in seconds, whichever unit the answer uses.
function talkSeconds(row) {
  for (const [key, scale] of [['talk_s', 1], ['talk_time_s', 1], ['talk_seconds', 1],
    ['talk_ms', 1e-3], ['talk_time_ms', 1e-3], ['talk_us', 1e-6]]) {
    if (typeof row[key] === 'number')
      return row[key] * scale;
  }
  return 0;
}

export function createHistory(ctx) {
  const el = (id) => document.getElementById(id);
  const select = el('attendance-conf');
  const error = el('history-error');
  let audit = [];
  let conferences = new Map();   // id -> label
  let attendance = null;

  function auditActor(row) {
    if (row.actor && typeof row.actor === 'object')
      return row.actor.name || row.actor.id || row.actor.role;
    return row.actor_name || row.actor || row.actor_id || row.role || '';
  }

  function renderAudit() {
    const body = el('audit-rows');
    body.replaceChildren();
    for (const row of audit) {
      const tr = document.createElement('tr');
      tr.append(cell(formatDateTime(row.at || row.time || row.when)), cell(auditActor(row)),
        cell(row.action || ''), cell(row.target || ''),
        cell(String(row.status ?? row.result ?? '')));
      body.append(tr);
    }
  }

  function renderChoices() {
    const keep = select.value;
    select.replaceChildren();
    if (conferences.size === 0)
      select.append(new Option(t('hist.none'), ''));
    for (const [id, label] of conferences)
      select.append(new Option(label, id, false, id === keep));
  }

  function renderAttendance() {
    const body = el('attendance-rows');
    body.replaceChildren();
    for (const row of attendance || []) {
      const id = row.endpoint || row.endpoint_id || row.id;
      const tr = document.createElement('tr');
      tr.dataset.ward = id;
      const joined = row.joined || row.first_joined;
      const left = row.left || row.last_left;
      tr.append(cell(ctx.wardName(id), 'th'),
        cell(joined ? formatDateTime(joined) : t('hist.absent')),
        cell(left ? formatDateTime(left) : (joined ? t('hist.still') : '—')),
        cell(formatDuration(talkSeconds(row))));
      body.append(tr);
    }
  }

  async function refresh() {
    hideMessage(error);
    const found = new Map();
    try {
      audit = listOf(await ctx.api.get('/api/v1/audit'), 'entries', 'items', 'audit');
      renderAudit();
      for (const row of audit) {
        const target = row.target || '';
        if (target.startsWith('conference/')) {
          const id = target.slice('conference/'.length).split('/')[0];
          if (!found.has(id)) {
            const title = ctx.conferenceTitles.get(id);
            found.set(id, `${title || id} (${formatDateTime(row.at || row.time || row.when)})`);
          }
        }
      }
    } catch (e) {
      // Schedulers may not read the audit log: attendance still works.
      if (e.status !== 403)
        showProblem(error, e);
    }
    const now = Date.now();
    const data = await ctx.api.get(`/api/v1/bookings?from=${encodeURIComponent(
      rfc3339(new Date(now - LOOKBACK_DAYS * DAY_MS)))}&to=${encodeURIComponent(rfc3339(new Date(now)))}`);
    for (const b of listOf(data, 'bookings', 'items')) {
      if (b.conference)
        found.set(b.conference, `${b.title} (${formatDateTime(b.start)})`);
    }
    conferences = found;
    renderChoices();
  }

  el('attendance-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideMessage(error);
    if (!select.value)
      return;
    try {
      const data = await ctx.api.get(
        `/api/v1/conferences/${encodeURIComponent(select.value)}/attendance`);
      attendance = listOf(data, 'attendance', 'endpoints', 'participants', 'items');
      renderAttendance();
      if (data && data.title) {
        ctx.conferenceTitles.set(select.value, data.title);
        const label = `${data.title} (${formatDateTime(data.started)})`;
        conferences.set(select.value, label);
        select.selectedOptions[0].textContent = label;
      }
    } catch (e) {
      showProblem(error, e);
    }
  });

  function setVisible(on) {
    if (on)
      refresh().catch((e) => showProblem(error, e));
  }

  function stop() {
    audit = [];
    attendance = null;
    conferences = new Map();
    el('audit-rows').replaceChildren();
    el('attendance-rows').replaceChildren();
    select.replaceChildren();
  }

  onLanguageChange(() => {
    renderAudit();
    renderChoices();
    renderAttendance();
  });
  return { refresh, setVisible, stop };
}
