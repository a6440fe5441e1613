// SPDX-License-Identifier: LGPL-2.1-or-later
// The live board: one tile per ward with its state, talking and muted
// marks, packet loss and jitter.  Loaded from GET /api/v1/endpoints, kept
// current from the event stream, and reloaded now and then for the link
// statistics, which change without events.
import { listOf } from './api.js';
import { t, onLanguageChange } from './i18n.js';

const STATS_REFRESH_MS = 5000;

export function createBoard(ctx) {
  const grid = document.getElementById('board-grid');
  const summary = document.getElementById('board-summary');
  const tiles = new Map();   // ward id -> <li>
  let timer = null;
  let pending = null;

  function tileFor(id) {
    let li = tiles.get(id);
    if (li)
      return li;
    li = document.createElement('li');
    li.className = 'ward';
    li.dataset.ward = id;
    li.innerHTML = `
      <div class="ward-name"></div>
      <div class="ward-marks">
        <span class="ward-id"></span>
        <span class="badge state"></span>
        <span class="mark talking" hidden></span>
        <span class="mark muted" hidden></span>
      </div>
      <div class="ward-stats">
        <span><span class="loss-label"></span> <b class="loss"></b></span>
        <span><span class="jitter-label"></span> <b class="jitter"></b></span>
      </div>`;
    tiles.set(id, li);
    grid.append(li);
    return li;
  }

  function renderWard(ep) {
    const li = tileFor(ep.id);
    const state = ep.state || 'offline';
    const stats = ep.stats || {};
    li.dataset.state = state;
    li.dataset.talking = String(Boolean(ep.talking));
    li.dataset.muted = String(Boolean(ep.muted));
    li.querySelector('.ward-name').textContent = ep.name || ep.id;
    li.querySelector('.ward-id').textContent = ep.id;
    const badge = li.querySelector('.state');
    badge.textContent = t(`state.${state}`);
    badge.className = `badge state state-${state}`;
    const talking = li.querySelector('.talking');
    talking.hidden = !ep.talking;
    talking.textContent = t('board.talking');
    const muted = li.querySelector('.muted');
    muted.hidden = !ep.muted;
    muted.textContent = t('board.muted');
    li.querySelector('.loss-label').textContent = t('board.loss');
    li.querySelector('.jitter-label').textContent = t('board.jitter');
    li.querySelector('.loss').textContent =
      typeof stats.loss_pct === 'number' ? `${stats.loss_pct.toFixed(1)}%` : '—';
    li.querySelector('.jitter').textContent =
      typeof stats.jitter_ms === 'number' ? `${stats.jitter_ms.toFixed(0)} ms` : '—';
  }

  function renderSummary() {
    const count = { live: 0, idle: 0, offline: 0 };
    for (const ep of ctx.wards.values()) {
      if (ep.state === 'offline')
        count.offline++;
      else if (ep.state === 'idle')
        count.idle++;
      else
        count.live++;
    }
    summary.textContent = t('board.summary', count);
  }

  function render() {
    for (const ep of ctx.wards.values())
      renderWard(ep);
    renderSummary();
  }

  async function refresh() {
    const data = await ctx.api.get('/api/v1/endpoints');
    const list = listOf(data, 'endpoints', 'items');
    ctx.wards.clear();
    for (const ep of list)
      ctx.wards.set(ep.id, ep);
    render();
    ctx.wardsChanged();
  }

  // Several events in a burst (a conference of 32 wards starting) cost one
  // reload.
  function refreshSoon() {
    if (pending)
      return;
    pending = setTimeout(() => {
      pending = null;
      refresh().catch(ctx.report);
    }, 200);
  }

  function update(id, changes) {
    const ep = ctx.wards.get(id);
    if (!ep) {
      refreshSoon();
      return;
    }
    Object.assign(ep, changes);
    renderWard(ep);
    renderSummary();
  }

  function applyEvent(name, data) {
    if (!data || typeof data !== 'object')
      return;
    switch (name) {
      case 'endpoint.state':
        if (data.id)
          update(data.id, data);
        break;
      case 'participant.talking':
        if (data.endpoint)
          update(data.endpoint, { talking: Boolean(data.talking) });
        break;
      case 'participant.joined':
      case 'participant.left':
      case 'conference.started':
      case 'conference.ended':
        refreshSoon();
        break;
      default:
        break;
    }
  }

  // Resolves once the first load is in (and rejects, starting nothing,
  // when the hub refuses it: a wrong token at sign-in).
  async function start() {
    clearInterval(timer);
    await refresh();
    timer = setInterval(() => {
      if (!document.hidden)
        refresh().catch(ctx.report);
    }, STATS_REFRESH_MS);
  }

  function stop() {
    clearInterval(timer);
    clearTimeout(pending);
    pending = null;
    tiles.clear();
    grid.replaceChildren();
  }

  onLanguageChange(render);
  return { start, stop, refresh, refreshSoon, applyEvent, update };
}
