// SPDX-License-Identifier: LGPL-2.1-or-later
// The running conference: its live composite (the snapshot JPEG, fetched
// with the token about once a second), layout and presenter, mute and
// unmute per ward, end; and the form that starts one now.
import { listOf } from './api.js';
import { t, onLanguageChange } from './i18n.js';
import { formatDateTime } from './time.js';
import { fillLayouts, fillWards, wardsFromForm, showProblem, hideMessage } from './forms.js';

const SNAPSHOT_PERIOD_MS = 1000;

export function participantId(p) {
  return p.endpoint || p.endpoint_id || p.id;
}

export function createConference(ctx) {
  const el = (id) => document.getElementById(id);
  const running = el('conf-running');
  const list = el('conf-list');
  const startForm = el('conf-start');
  const settings = el('conf-settings');
  const img = el('conf-snapshot');
  const note = el('conf-snapshot-note');
  let conferences = [];
  let current = null;          // the conference shown, as the API gave it
  let snapshotUrl = null;
  let snapshotTimer = null;
  let snapshotAbort = null;
  let snapshotGeneration = 0;
  let snapshotId = null;       // the conference whose composite is polled
  let visible = false;
  let pending = null;

  function renderList() {
    list.replaceChildren();
    if (conferences.length === 0) {
      const p = document.createElement('p');
      p.className = 'muted-text';
      p.textContent = t('conf.none');
      list.append(p);
      return;
    }
    if (conferences.length === 1)
      return;
    for (const c of conferences) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = c.id === current?.id ? 'tab active' : 'tab';
      b.textContent = c.title || c.id;
      b.addEventListener('click', () => show(c.id).catch(ctx.report));
      list.append(b);
    }
  }

  function renderParticipants() {
    const body = el('conf-participants');
    body.replaceChildren();
    for (const p of current.participants || []) {
      const id = participantId(p);
      const tr = document.createElement('tr');
      tr.dataset.ward = id;
      tr.dataset.muted = String(Boolean(p.muted));
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = ctx.wardName(id);
      const state = document.createElement('td');
      state.textContent = t(`state.${p.state}`);
      const audio = document.createElement('td');
      audio.className = p.muted ? 'audio muted' : 'audio';
      audio.textContent = p.muted ? t('audio.muted') : t('audio.on');
      const action = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary small';
      button.textContent = p.muted ? t('conf.unmute') : t('conf.mute');
      button.setAttribute('aria-label', `${button.textContent}: ${ctx.wardName(id)}`);
      button.addEventListener('click', () => setMuted(id, !p.muted));
      action.append(button);
      tr.append(name, state, audio, action);
      body.append(tr);
    }
  }

  function renderSettings() {
    fillLayouts(el('conf-layout'), current.layout);
    const presenter = el('conf-presenter');
    presenter.replaceChildren(new Option(t('conf.presenter.none'), ''));
    for (const p of current.participants || []) {
      const id = participantId(p);
      presenter.append(new Option(ctx.wardName(id), id, false, id === current.presenter));
    }
  }

  function render() {
    renderList();
    startForm.hidden = false;
    if (!current) {
      running.hidden = true;
      stopSnapshots();
      return;
    }
    running.hidden = false;
    running.dataset.conference = current.id;
    el('conf-name').textContent = current.title || current.id;
    const state = el('conf-state');
    state.textContent = t(`state.${current.state}`);
    state.className = `badge state-${current.state}`;
    el('conf-started').textContent = current.started
      ? t('conf.started', { time: formatDateTime(current.started) }) : '';
    img.alt = `${t('conf.snapshot')}: ${current.title || current.id}`;
    renderSettings();
    renderParticipants();
    startSnapshots();
  }

  async function show(id) {
    current = await ctx.api.get(`/api/v1/conferences/${encodeURIComponent(id)}`);
    ctx.conferenceTitles.set(current.id, current.title);
    render();
  }

  async function refresh() {
    conferences = listOf(await ctx.api.get('/api/v1/conferences'), 'conferences', 'items')
      .filter((c) => c.state !== 'ended');
    const keep = conferences.find((c) => c.id === current?.id) || conferences[0];
    if (keep)
      await show(keep.id);
    else {
      current = null;
      render();
    }
  }

  function refreshSoon() {
    if (pending)
      return;
    pending = setTimeout(() => {
      pending = null;
      refresh().catch(ctx.report);
    }, 200);
  }

  // ---- the live composite ------------------------------------------------

  // One loop at a time: stopping bumps the generation, and a loop that sees
  // a newer generation ends.
  async function snapshotLoop(generation, id) {
    while (generation === snapshotGeneration) {
      snapshotAbort = new AbortController();
      try {
        const blob = await ctx.api.blob(
          `/api/v1/conferences/${encodeURIComponent(id)}/snapshot.jpg`, snapshotAbort.signal);
        if (generation !== snapshotGeneration)
          return;
        const url = URL.createObjectURL(blob);
        img.src = url;
        if (snapshotUrl)
          URL.revokeObjectURL(snapshotUrl);
        snapshotUrl = url;
        img.dataset.frames = String(Number(img.dataset.frames || 0) + 1);
        note.textContent = t('conf.snapshot');
      } catch (e) {
        if (e.name === 'AbortError' || generation !== snapshotGeneration)
          return;
        note.textContent = t('conf.snapshot.wait');
      }
      // The next one a second after this one arrived: a slow hub is never
      // asked for more than it can give.
      await new Promise((resolve) => { snapshotTimer = setTimeout(resolve, SNAPSHOT_PERIOD_MS); });
    }
  }

  function startSnapshots() {
    if (!visible || !current || snapshotId === current.id)
      return;
    stopSnapshots();
    snapshotId = current.id;
    snapshotLoop(snapshotGeneration, current.id);
  }

  function stopSnapshots() {
    snapshotGeneration++;
    snapshotId = null;
    clearTimeout(snapshotTimer);
    snapshotAbort?.abort();
    if (snapshotUrl) {
      URL.revokeObjectURL(snapshotUrl);
      snapshotUrl = null;
    }
    img.removeAttribute('src');
    delete img.dataset.frames;
  }

  // ---- actions -------------------------------------------------------------

  async function setMuted(ward, muted) {
    const error = el('conf-error');
    hideMessage(error);
    try {
      await ctx.api.post(`/api/v1/conferences/${encodeURIComponent(current.id)}` +
        `/participants/${encodeURIComponent(ward)}/${muted ? 'mute' : 'unmute'}`);
      ctx.board.update(ward, { muted });
      await show(current.id);
    } catch (e) {
      showProblem(error, e);
    }
  }

  settings.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = el('conf-error');
    hideMessage(error);
    const presenter = el('conf-presenter').value;
    try {
      current = await ctx.api.patch(`/api/v1/conferences/${encodeURIComponent(current.id)}`, {
        layout: el('conf-layout').value,
        presenter: presenter === '' ? null : presenter,
      });
      await show(current.id);
    } catch (e) {
      showProblem(error, e);
    }
  });

  el('conf-end').addEventListener('click', async () => {
    const error = el('conf-error');
    hideMessage(error);
    try {
      await ctx.api.post(`/api/v1/conferences/${encodeURIComponent(current.id)}/end`);
      stopSnapshots();
      current = null;
      await refresh();
      ctx.board.refreshSoon();
    } catch (e) {
      showProblem(error, e);
    }
  });

  const startAll = el('start-all');
  startAll.addEventListener('change', () => { el('start-wards').disabled = startAll.checked; });

  startForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = el('conf-start-error');
    hideMessage(error);
    try {
      const started = await ctx.api.post('/api/v1/conferences', {
        title: el('start-title').value.trim(),
        endpoints: wardsFromForm(startAll, el('start-wards')),
        layout: el('start-layout').value,
        record: el('start-record').checked,
      });
      current = started;
      await refresh();
      ctx.board.refreshSoon();
    } catch (e) {
      showProblem(error, e, { 409: t('conf.busy') });
    }
  });

  function wardsChanged() {
    fillWards(el('start-wards'), ctx.wards);
    fillLayouts(el('start-layout'), el('start-layout').value || 'grid');
  }

  function setVisible(on) {
    visible = on;
    if (on)
      refresh().catch(ctx.report);
    else
      stopSnapshots();
  }

  function applyEvent(name) {
    if (name.startsWith('conference.') || name.startsWith('participant.joined') ||
        name.startsWith('participant.left'))
      refreshSoon();
  }

  function stop() {
    setVisible(false);
    clearTimeout(pending);
    pending = null;
    current = null;
    conferences = [];
  }

  onLanguageChange(() => {
    wardsChanged();
    if (current)
      render();
  });
  return { refresh, setVisible, applyEvent, wardsChanged, stop };
}
