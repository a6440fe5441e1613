// SPDX-License-Identifier: LGPL-2.1-or-later
// The console's entry point: sign-in (the token lives in sessionStorage,
// for this browser session only), the tabs, the language switch and the
// event stream that keeps every view current.
import { Api, ApiError, EventStream } from './api.js';
import { t, language, setLanguage, translatePage, onLanguageChange } from './i18n.js';
import { createBoard } from './board.js';
import { createConference } from './conference.js';
import { createCalendar } from './calendar.js';
import { createHistory } from './history.js';
import { showMessage, hideMessage } from './forms.js';

const TOKEN_KEY = 'wardbridge.token';
const VIEWS = ['board', 'conference', 'calendar', 'history'];

const el = (id) => document.getElementById(id);

const ctx = {
  api: null,
  wards: new Map(),            // ward id -> the endpoint as the API gave it
  conferenceTitles: new Map(), // conference id -> title, as seen so far
  wardName(id) {
    return ctx.wards.get(id)?.name || id;
  },
  wardsChanged() {
    conference.wardsChanged();
    calendar.wardsChanged();
  },
  report(error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(t('signin.wrong'));
      return;
    }
    console.warn('wardbridge console:', error);
  },
};

const board = createBoard(ctx);
ctx.board = board;
const conference = createConference(ctx);
const calendar = createCalendar(ctx);
const history = createHistory(ctx);
const views = { board, conference, calendar, history };
let stream = null;
let currentView = null;

function showStreamStatus(connected) {
  const status = el('stream-status');
  status.hidden = false;
  status.dataset.state = connected ? 'live' : 'down';
  status.textContent = t(connected ? 'stream.live' : 'stream.down');
}

function showView(name) {
  if (!VIEWS.includes(name))
    name = 'board';
  if (name === currentView)
    return;
  currentView = name;
  for (const v of VIEWS) {
    el(`view-${v}`).hidden = v !== name;
    views[v].setVisible?.(v === name);
  }
  for (const tab of document.querySelectorAll('.tab[data-view]')) {
    const on = tab.dataset.view === name;
    tab.classList.toggle('active', on);
    if (on)
      tab.setAttribute('aria-current', 'page');
    else
      tab.removeAttribute('aria-current');
  }
  if (location.hash !== `#${name}`)
    replaceHash(name);
}

function replaceHash(name) {
  window.history.replaceState(null, '', `#${name}`);
}

function onEvent(name, data) {
  // How many events this page has taken in (shown to tests and to anyone
  // inspecting the page).
  const status = el('stream-status');
  status.dataset.events = String(Number(status.dataset.events || 0) + 1);
  board.applyEvent(name, data);
  conference.applyEvent(name, data);
  calendar.applyEvent(name, data);
}

function onStreamStatus(connected) {
  showStreamStatus(connected);
  // Events may have been missed while the stream was down: reload.
  if (connected) {
    board.refreshSoon();
    if (currentView !== 'board')
      views[currentView].refresh?.().catch(ctx.report);
  }
}

async function enter(token) {
  const api = new Api(token);
  ctx.api = api;
  await board.start();
  sessionStorage.setItem(TOKEN_KEY, token);
  el('signin').hidden = true;
  el('console').hidden = false;
  el('sign-out').hidden = false;
  currentView = null;
  showView(location.hash.slice(1));
  stream = new EventStream(api, {
    onEvent,
    onStatus: onStreamStatus,
    onUnauthorized: () => signOut(t('signin.wrong')),
  });
  stream.start();
}

function signOut(message) {
  stream?.stop();
  stream = null;
  for (const v of VIEWS)
    views[v].stop();
  currentView = null;
  ctx.api = null;
  ctx.wards.clear();
  ctx.conferenceTitles.clear();
  sessionStorage.removeItem(TOKEN_KEY);
  el('console').hidden = true;
  el('sign-out').hidden = true;
  el('stream-status').hidden = true;
  el('signin').hidden = false;
  el('signin-token').value = '';
  const error = el('signin-error');
  if (message)
    showMessage(error, message);
  else
    hideMessage(error);
  el('signin-token').focus();
}

function signInMessage(error) {
  if (error instanceof ApiError) {
    if (error.status === 401)
      return t('signin.wrong');
    if (error.status === 403)
      return t('signin.role');
    if (error.status === 0)
      return t('signin.unreachable');
  }
  return t('err.generic', { status: error.status ?? '', detail: error.message });
}

el('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = el('signin-token').value.trim();
  const error = el('signin-error');
  if (!token) {
    showMessage(error, t('signin.empty'));
    return;
  }
  hideMessage(error);
  try {
    await enter(token);
  } catch (e) {
    ctx.api = null;
    showMessage(error, signInMessage(e));
    el('signin-token').select();
  }
});

el('sign-out').addEventListener('click', () => signOut(null));

for (const tab of document.querySelectorAll('.tab[data-view]'))
  tab.addEventListener('click', () => showView(tab.dataset.view));
window.addEventListener('hashchange', () => {
  if (ctx.api)
    showView(location.hash.slice(1));
});

function renderLanguageToggle() {
  const toggle = el('lang-toggle');
  const other = language() === 'vi' ? 'en' : 'vi';
  toggle.lang = other;
  toggle.textContent = t('lang.other');
  toggle.dataset.lang = other;
}
el('lang-toggle').addEventListener('click', () => setLanguage(el('lang-toggle').dataset.lang));
onLanguageChange(() => {
  renderLanguageToggle();
  if (stream)
    showStreamStatus(stream.connected);
});

translatePage();
renderLanguageToggle();
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  enter(saved).catch((e) => signOut(signInMessage(e)));
} else {
  el('signin-token').focus();
}
