// SPDX-License-Identifier: LGPL-2.1-or-later
// The week calendar of bookings (Monday to Sunday, Viet Nam time) and the
// form beside it: book, move (change day or times), extend, cancel.  A
// click on an empty slot fills the form's day and time; a click on a
// booking opens it in the form.  Refusals of the API (409 conflicts, 422
// field errors) are shown in plain words under the form.
import { listOf } from './api.js';
import { t, onLanguageChange } from './i18n.js';
import { DAY_MS, weekStart, isoDate, hhmm, rfc3339, fromLocal, formatDay, minutesOfDay } from './time.js';
import { fillLayouts, fillWards, selectWards, wardsFromForm, showProblem, showMessage, hideMessage } from './forms.js';

const HOUR_PX = 40;
const EXTEND_MS = 30 * 60 * 1000;
const FIRST_HOUR_SHOWN = 7;

export function createCalendar(ctx) {
  const el = (id) => document.getElementById(id);
  const grid = el('cal-grid');
  const form = el('booking-form');
  const error = el('booking-error');
  const ok = el('booking-ok');
  const all = el('book-all');
  const wardsSelect = el('book-wards');
  let week = weekStart(new Date());
  let bookings = [];
  let editing = null;          // the booking in the form, or null for a new one
  let pending = null;
  let scrolled = false;

  // ---- the grid --------------------------------------------------------

  function dayColumns() {
    const head = document.createElement('div');
    head.className = 'cal-head';
    head.append(document.createElement('div'));
    const days = t('cal.days');
    const columns = [];
    for (let i = 0; i < 7; i++) {
      const day = new Date(week.getTime() + i * DAY_MS);
      const h = document.createElement('div');
      h.className = 'cal-day-name';
      h.textContent = `${days[i]} ${formatDay(day)}`;
      if (isoDate(day) === isoDate(new Date()))
        h.classList.add('today');
      head.append(h);
      const col = document.createElement('div');
      col.className = 'cal-day';
      col.dataset.date = isoDate(day);
      col.style.height = `${24 * HOUR_PX}px`;
      col.addEventListener('click', (event) => {
        if (event.target !== col)
          return;
        const minutes = Math.floor(event.offsetY / HOUR_PX * 2) * 30;
        newBooking(col.dataset.date, minutes);
      });
      columns.push(col);
    }
    return { head, columns };
  }

  function hoursColumn() {
    const col = document.createElement('div');
    col.className = 'cal-hours';
    for (let h = 0; h < 24; h++) {
      const label = document.createElement('div');
      label.style.height = `${HOUR_PX}px`;
      label.textContent = `${String(h).padStart(2, '0')}:00`;
      col.append(label);
    }
    return col;
  }

  // The parts of @b that fall on each day of the week, with lanes so that
  // overlapping bookings sit side by side.
  function segmentsByDay() {
    const days = Array.from({ length: 7 }, () => []);
    for (const b of bookings) {
      const start = new Date(b.start).getTime();
      const end = new Date(b.end).getTime();
      for (let i = 0; i < 7; i++) {
        const dayStart = week.getTime() + i * DAY_MS;
        const from = Math.max(start, dayStart);
        const to = Math.min(end, dayStart + DAY_MS);
        if (from < to)
          days[i].push({ b, from: (from - dayStart) / 60000, to: (to - dayStart) / 60000 });
      }
    }
    for (const segs of days) {
      segs.sort((x, y) => x.from - y.from);
      const laneEnds = [];
      for (const s of segs) {
        let lane = laneEnds.findIndex((end) => end <= s.from);
        if (lane < 0)
          lane = laneEnds.length;
        laneEnds[lane] = s.to;
        s.lane = lane;
      }
      for (const s of segs)
        s.lanes = laneEnds.length;
    }
    return days;
  }

  function bookingBlock(seg) {
    const { b } = seg;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `booking status-${b.status}`;
    if (editing?.id === b.id)
      button.classList.add('selected');
    button.dataset.booking = b.id;
    button.style.top = `${seg.from / 60 * HOUR_PX}px`;
    button.style.height = `${Math.max(seg.to - seg.from, 15) / 60 * HOUR_PX}px`;
    button.style.left = `${seg.lane / seg.lanes * 100}%`;
    button.style.width = `${100 / seg.lanes}%`;
    const time = document.createElement('span');
    time.className = 'booking-time';
    time.textContent = `${hhmm(new Date(b.start))}–${hhmm(new Date(b.end))}`;
    const title = document.createElement('span');
    title.className = 'booking-title';
    title.textContent = b.title;
    button.append(time, title);
    button.title = `${b.title} (${t(`state.${b.status}`)})`;
    button.addEventListener('click', () => edit(b));
    return button;
  }

  function render() {
    const { head, columns } = dayColumns();
    const body = document.createElement('div');
    body.className = 'cal-body';
    body.append(hoursColumn(), ...columns);
    const days = segmentsByDay();
    days.forEach((segs, i) => {
      for (const seg of segs)
        columns[i].append(bookingBlock(seg));
    });
    grid.replaceChildren(head, body);
    const last = new Date(week.getTime() + 6 * DAY_MS);
    el('cal-range').textContent = `${formatDay(week)} – ${formatDay(last)}`;
    if (!scrolled && grid.isConnected && el('cal-scroll').clientHeight > 0) {
      el('cal-scroll').scrollTop = FIRST_HOUR_SHOWN * HOUR_PX;
      scrolled = true;
    }
  }

  async function refresh() {
    const from = rfc3339(week);
    const to = rfc3339(new Date(week.getTime() + 7 * DAY_MS));
    const data = await ctx.api.get(
      `/api/v1/bookings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    bookings = listOf(data, 'bookings', 'items').filter((b) => b.status !== 'cancelled');
    if (editing)
      editing = bookings.find((b) => b.id === editing.id) || editing;
    render();
  }

  function refreshSoon() {
    if (pending)
      return;
    pending = setTimeout(() => {
      pending = null;
      refresh().catch(ctx.report);
    }, 200);
  }

  function goWeek(delta) {
    week = delta === 0 ? weekStart(new Date()) : new Date(week.getTime() + delta * 7 * DAY_MS);
    refresh().catch(ctx.report);
  }

  // ---- the form ----------------------------------------------------------

  function setMode(booking) {
    editing = booking;
    const editingNow = booking !== null;
    el('booking-form-title').textContent = t(editingNow ? 'book.edit' : 'book.new');
    el('book-submit').textContent = t(editingNow ? 'book.save' : 'book.create');
    el('book-extend').hidden = !editingNow;
    el('book-cancel').hidden = !editingNow;
    el('book-new').hidden = !editingNow;
    form.dataset.mode = editingNow ? 'edit' : 'new';
  }

  function prefill(day, minutes) {
    const start = new Date(fromLocal(day, '00:00').getTime() + minutes * 60000);
    el('book-date').value = isoDate(start);
    el('book-start').value = hhmm(start);
    el('book-end').value = hhmm(new Date(start.getTime() + 3600 * 1000));
  }

  function prefillNow() {
    const now = new Date();
    prefill(isoDate(now), Math.ceil(minutesOfDay(now) / 30) * 30);
  }

  function newBooking(day, minutes) {
    setMode(null);
    hideMessage(error);
    hideMessage(ok);
    prefill(day, minutes);
    render();
    el('book-title').focus();
  }

  function edit(b) {
    setMode(b);
    hideMessage(error);
    hideMessage(ok);
    const start = new Date(b.start);
    el('book-id').value = b.id;
    el('book-title').value = b.title;
    el('book-date').value = isoDate(start);
    el('book-start').value = hhmm(start);
    el('book-end').value = hhmm(new Date(b.end));
    all.checked = b.endpoints === 'all';
    wardsSelect.disabled = all.checked;
    selectWards(wardsSelect, b.endpoint_ids || (Array.isArray(b.endpoints) ? b.endpoints : []));
    fillLayouts(el('book-layout'), b.layout);
    el('book-record').checked = Boolean(b.record);
    render();
    el('book-title').focus();
  }

  function slotFromForm() {
    const day = el('book-date').value;
    const start = fromLocal(day, el('book-start').value);
    let end = fromLocal(day, el('book-end').value);
    // An end at or before the start runs past midnight.
    if (end <= start && minutesOfDay(end) < minutesOfDay(start))
      end = new Date(end.getTime() + DAY_MS);
    return { start, end };
  }

  function bodyFromForm() {
    const { start, end } = slotFromForm();
    return {
      title: el('book-title').value.trim(),
      start: rfc3339(start),
      end: rfc3339(end),
      endpoints: wardsFromForm(all, wardsSelect),
      layout: el('book-layout').value,
      record: el('book-record').checked,
    };
  }

  // Only what changed goes into a PATCH.
  function changes(b, body) {
    const out = {};
    if (body.title !== b.title)
      out.title = body.title;
    if (new Date(body.start).getTime() !== new Date(b.start).getTime())
      out.start = body.start;
    if (new Date(body.end).getTime() !== new Date(b.end).getTime())
      out.end = body.end;
    const before = b.endpoints === 'all' ? 'all' : JSON.stringify(b.endpoint_ids || b.endpoints);
    const after = body.endpoints === 'all' ? 'all' : JSON.stringify(body.endpoints);
    if (before !== after)
      out.endpoints = body.endpoints;
    if (body.layout !== b.layout)
      out.layout = body.layout;
    if (body.record !== Boolean(b.record))
      out.record = body.record;
    return out;
  }

  async function act(work, message) {
    hideMessage(error);
    hideMessage(ok);
    try {
      const b = await work();
      await refresh();
      if (b && b.id && b.status !== 'cancelled')
        edit(bookings.find((x) => x.id === b.id) || b);
      showMessage(ok, t(message, { title: b?.title || '' }));
    } catch (e) {
      showProblem(error, e, {}, ctx.wardName);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity())
      return;
    const body = bodyFromForm();
    if (editing) {
      const b = editing;
      act(() => ctx.api.patch(`/api/v1/bookings/${encodeURIComponent(b.id)}`, changes(b, body)),
        'book.saved');
    } else {
      act(async () => {
        const created = await ctx.api.post('/api/v1/bookings', body);
        // Show the week the new booking falls in.
        week = weekStart(new Date(body.start));
        return created;
      }, 'book.created');
    }
  });

  el('book-extend').addEventListener('click', () => {
    const b = editing;
    const end = new Date(new Date(b.end).getTime() + EXTEND_MS);
    act(() => ctx.api.patch(`/api/v1/bookings/${encodeURIComponent(b.id)}`, { end: rfc3339(end) }),
      'book.saved');
  });

  el('book-cancel').addEventListener('click', () => {
    const b = editing;
    act(async () => {
      await ctx.api.delete(`/api/v1/bookings/${encodeURIComponent(b.id)}`);
      setMode(null);
      return { ...b, status: 'cancelled' };
    }, 'book.cancelled');
  });

  el('book-new').addEventListener('click', () => {
    setMode(null);
    hideMessage(error);
    hideMessage(ok);
    form.reset();
    wardsSelect.disabled = all.checked;
    prefillNow();
    render();
    el('book-title').focus();
  });

  all.addEventListener('change', () => { wardsSelect.disabled = all.checked; });
  el('cal-prev').addEventListener('click', () => goWeek(-1));
  el('cal-next').addEventListener('click', () => goWeek(1));
  el('cal-today').addEventListener('click', () => goWeek(0));

  function wardsChanged() {
    fillWards(wardsSelect, ctx.wards);
    fillLayouts(el('book-layout'), el('book-layout').value || 'grid');
  }

  function applyEvent(name) {
    if (name.startsWith('booking.'))
      refreshSoon();
  }

  function setVisible(on) {
    if (!on)
      return;
    refresh().then(() => {
      if (!scrolled) {
        el('cal-scroll').scrollTop = FIRST_HOUR_SHOWN * HOUR_PX;
        scrolled = true;
      }
    }).catch(ctx.report);
  }

  function stop() {
    clearTimeout(pending);
    pending = null;
    bookings = [];
    setMode(null);
    form.reset();
    prefillNow();
    grid.replaceChildren();
  }

  onLanguageChange(() => {
    setMode(editing);
    wardsChanged();
    render();
  });
  setMode(null);
  prefillNow();
  return { refresh, setVisible, applyEvent, wardsChanged, stop };
}
