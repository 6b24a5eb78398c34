// The staff audit log in the admin pages (admins only): who logged in or
// failed to, claimed, transferred and resolved chats, changed articles and
// users, and viewed or edited customer records — one log, newest first,
// filtered by who, what and when, paged by "older".
import { h, toast, when } from './console.js';

const ACTIONS = ['login', 'login_failed', 'logout', 'claim', 'transfer', 'resolve', 'article_create', 'article_update',
  'article_delete', 'article_import', 'user_create', 'user_update', 'workorder_view', 'view', 'reveal', 'update', 'create', 'merge',
  'anonymise', 'import', 'export'];

const S = { actor: '', action: '', from: '', to: '', entries: null, next: 0, staff: null };

let c = null;
let repaint = () => {};

/** auditPage is the audit tab's page; rerender redraws the admin page. */
export function auditPage(console, rerender) {
  c = console;
  repaint = rerender;
  if (!c.user || c.user.role !== 'admin') return h('p.muted', c.t('staffAudit.adminsOnly'));
  const staff = [...(S.staff || new Map()).entries()];
  const form = h('form.row.audit-filter', { onsubmit: (e) => { e.preventDefault(); read(new FormData(e.target)); } },
    h('label', c.t('archive.audit.actor'), h('select', { name: 'actor' }, h('option', { value: '' }, c.t('staffAudit.anyone')),
      staff.map(([id, name]) => h('option', { value: id, selected: S.actor === id }, name)))),
    h('label', c.t('archive.audit.action'), h('select', { name: 'action' }, h('option', { value: '' }, c.t('staffAudit.anything')),
      ACTIONS.map((a) => h('option', { value: a, selected: S.action === a }, c.t('audit.' + a))))),
    h('label', c.t('staffAudit.from'), h('input', { type: 'date', name: 'from', value: S.from })),
    h('label', c.t('staffAudit.to'), h('input', { type: 'date', name: 'to', value: S.to })),
    h('button.primary.small', { type: 'submit' }, c.t('staffAudit.show')));
  const es = S.entries || [];
  return h('section.box',
    h('h2', c.t('admin.tab.audit')),
    form,
    es.length ? h('table.grid.small.staff-audit',
      h('thead', h('tr', ['at', 'actor', 'action'].map((k) => h('th', c.t('archive.audit.' + k))), h('th', c.t('staffAudit.on')))),
      h('tbody', es.map((e) => h('tr', h('td', when(c, e.at)), h('td', (S.staff && S.staff.get(e.actor_id)) || e.actor_id || '—'),
        h('td', c.t('audit.' + e.action)), h('td', [e.subject || (e.customer_id ? 'customer:' + e.customer_id : ''), e.field, e.detail].filter(Boolean).join(' '))))))
      : h('p.muted.small', c.t('console.empty')),
    S.next ? h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => more() }, c.t('staffAudit.older'))) : null);
}

/** loadAudit reads the first page with the current filter, and the staff names. */
export async function loadAudit(console) {
  c = console;
  if (!c.user || c.user.role !== 'admin') return;
  if (!S.staff) S.staff = new Map(((await c.api('GET', '/api/v1/users').catch(() => [])) || []).map((u) => [u.id, u.name || u.email]));
  await fetchPage(0);
}

function query(before) {
  const q = new URLSearchParams();
  if (S.actor) q.set('actor', S.actor);
  if (S.action) q.set('action', S.action);
  // Days are the admin's own: from the start of from to the end of to.
  if (S.from) q.set('from', new Date(S.from + 'T00:00:00').toISOString());
  if (S.to) q.set('to', new Date(new Date(S.to + 'T00:00:00').getTime() + 86400000).toISOString());
  if (before) q.set('before', String(before));
  q.set('limit', '100');
  return q.toString();
}

async function fetchPage(before) {
  const page = (await c.api('GET', '/api/v1/audit?' + query(before))) || {};
  S.entries = before ? [...(S.entries || []), ...(page.entries || [])] : (page.entries || []);
  S.next = page.next || 0;
}

async function read(fd) {
  S.actor = fd.get('actor') || '';
  S.action = fd.get('action') || '';
  S.from = fd.get('from') || '';
  S.to = fd.get('to') || '';
  try { await fetchPage(0); } catch (err) { toast(err.message, 'error'); }
  repaint();
}

async function more() {
  try { await fetchPage(S.next); } catch (err) { toast(err.message, 'error'); }
  repaint();
}
