// SPDX-License-Identifier: LGPL-2.1-or-later
// What the forms share: the layout and ward pickers, and turning the API's
// problem details (RFC 9457: 409 conflicts, 422 field errors) into plain
// words next to the form.
import { t } from './i18n.js';
import { formatDateTime, hhmm } from './time.js';

export const LAYOUTS = ['grid', 'speaker', 'presenter', 'single'];

export function fillLayouts(select, value) {
  select.replaceChildren(...LAYOUTS.map((l) => new Option(t(`layout.${l}`), l, false, l === value)));
}

// Keeps the selection across refills.
export function fillWards(select, wards) {
  const chosen = new Set([...select.selectedOptions].map((o) => o.value));
  select.replaceChildren(...[...wards.values()].map(
    (ep) => new Option(ep.name || ep.id, ep.id, false, chosen.has(ep.id))));
}

export function selectWards(select, ids) {
  const wanted = new Set(ids);
  for (const option of select.options)
    option.selected = wanted.has(option.value);
}

export function wardsFromForm(allBox, select) {
  if (allBox.checked)
    return 'all';
  return [...select.selectedOptions].map((o) => o.value);
}

export function hideMessage(box) {
  box.hidden = true;
  box.replaceChildren();
}

export function showMessage(box, text) {
  box.replaceChildren(document.createTextNode(text));
  box.hidden = false;
}

function fieldLabel(field) {
  const top = String(field || '').split('/')[0];
  const key = `field.${top}`;
  const label = t(key);
  return label === key ? top : label;
}

function wardList(ids, wardName) {
  const names = (ids || []).map(wardName);
  if (names.length <= 4)
    return names.join(', ');
  return `${names.slice(0, 4).join(', ')} ${t('book.wards.more', { n: names.length - 4 })}`;
}

// Shows why the hub refused a request, in plain words, in @box.
// @overrides maps a status to a sentence that fits the form better.
export function showProblem(box, error, overrides = {}, wardName = (id) => id) {
  const problem = error.problem || {};
  const status = error.status;
  box.replaceChildren();
  box.hidden = false;

  const line = (text, tag = 'p') => {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  };

  if (status === 409 && Array.isArray(problem.conflicts) && problem.conflicts.length > 0) {
    box.append(line(t('book.conflict')));
    const ul = document.createElement('ul');
    for (const c of problem.conflicts) {
      const when = c.start && c.end
        ? `${formatDateTime(c.start)}–${hhmm(new Date(c.end))}` : '';
      ul.append(line(t('book.conflict.item', {
        title: c.title || c.booking || '', when, wards: wardList(c.endpoints, wardName),
      }), 'li'));
    }
    box.append(ul);
    box.dataset.problem = 'conflict';
    return;
  }
  if (status === 422 && Array.isArray(problem.errors) && problem.errors.length > 0) {
    box.append(line(t('book.invalid')));
    const ul = document.createElement('ul');
    for (const e of problem.errors)
      ul.append(line(`${fieldLabel(e.field)}: ${e.message}`, 'li'));
    box.append(ul);
    box.dataset.problem = 'invalid';
    return;
  }
  box.dataset.problem = String(status);
  if (status in overrides)
    box.append(line(overrides[status]));
  else if (status === 0)
    box.append(line(t('err.network')));
  else if (status === 403)
    box.append(line(t('err.forbidden')));
  else
    box.append(line(t('err.generic', { status, detail: problem.detail || problem.title || '' })));
}
