// The customer archive in the admin pages: search and a record's full view
// with its audit log and anonymisation; CSV import (all or nothing, each
// line's problems shown) and export; the custom attribute definitions; and
// the archive's figures — customers by segment, relationship and area class,
// contact and complaint frequency and satisfaction by segment. A record is
// edited with the card's form (customer-form.js) and shows its contact
// people; an admin merges a duplicate found by search into it, after a
// confirmation that says what moves. Import, export, merge, the audit log and
// anonymising are for admins; supervisors search and read the figures.
import { h, toast, when } from './console.js';
import { attributeLines, contactsSection, recordForm } from './customer-form.js';

const S = {
  view: 'records', // records | attributes | figures
  query: '',
  results: null,
  record: null,
  audit: null,
  importErrors: null,
  attributes: null,
  figures: null,
  staff: null, // user id -> name, for the audit log
  editing: false,
  defs: null, // the custom attribute definitions, for the record's form
  merge: null, // {results, from, moves, result}: the merge of a duplicate into the record
};

const enc = encodeURIComponent;
const VIEWS = ['records', 'attributes', 'figures'];
const ATTR_TYPES = ['text', 'number', 'date', 'list'];

let c = null;
let repaint = () => {};
const isAdmin = () => c.user && c.user.role === 'admin';

/**
 * archivePage is the archive tab's page. rerender redraws the admin page
 * (after a load finishes).
 */
export function archivePage(console, rerender) {
  c = console;
  repaint = rerender;
  const nav = h('div.row.archive-views', { role: 'group', 'aria-label': c.t('archive.title') }, VIEWS.map((v) => h('button.small' + (S.view === v ? '.primary' : '.ghost'), {
    type: 'button', id: 'archive-view-' + v, 'aria-pressed': String(S.view === v),
    onclick: () => { S.view = v; repaint(); loadArchive(c); },
  }, c.t('archive.view.' + v))));
  const page = { records: recordsView, attributes: attributesView, figures: figuresView }[S.view] || recordsView;
  return h('div.archive', nav, page());
}

/** loadArchive fetches what the current view shows. */
export async function loadArchive(console) {
  c = console;
  try {
    if (S.view === 'attributes') S.attributes = ((await c.api('GET', '/api/v1/customer-attributes')) || {}).attributes || [];
    if (S.view === 'figures') S.figures = await c.api('GET', '/api/v1/customers/figures');
    if (S.view === 'records' && !S.results) await search();
  } catch (err) { toast(err.message, 'error'); }
  repaint();
}

async function search() {
  const path = S.query ? `/api/v1/customers?q=${enc(S.query)}&limit=50` : '/api/v1/customers?limit=50';
  S.results = ((await c.api('GET', path)) || {}).customers || [];
}

// ---- records -------------------------------------------------------------------
let searchTimer = 0;
function recordsView() {
  const q = h('input', {
    type: 'search', id: 'archive-search', value: S.query, maxlength: 100, placeholder: c.t('archive.searchHint'), 'aria-label': c.t('archive.search'),
    oninput: (e) => {
      S.query = e.target.value.trim();
      clearTimeout(searchTimer);
      searchTimer = setTimeout(async () => {
        try { await search(); } catch (err) { toast(err.message, 'error'); }
        const list = document.getElementById('archive-results');
        if (list) list.replaceChildren(resultList());
      }, 250);
    },
  });
  const file = h('input.sr', { type: 'file', id: 'archive-import-file', accept: '.csv,text/csv', onchange: (e) => importCSV(e.target.files[0]) });
  return h('div.archive-records',
    h('div',
      h('div.toolbar', q),
      isAdmin() ? h('div.toolbar',
        h('label.ghost.small', { for: 'archive-import-file', tabindex: '0', role: 'button', id: 'archive-import',
          onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); file.click(); } } }, c.t('archive.import')),
        file,
        h('button.ghost.small', { type: 'button', id: 'archive-export', onclick: exportCSV }, c.t('archive.export'))) : null,
      isAdmin() ? h('p.muted.small', c.t('archive.importHint')) : null,
      importErrors(),
      h('div#archive-results', resultList())),
    h('div#archive-record', recordView()));
}

function resultList() {
  if (!S.results) return h('p.muted', c.t('console.loading'));
  if (!S.results.length) return h('p.muted', c.t('archive.noResults'));
  return h('ul.list', S.results.map((cu) => h('li', h('button.article-row' + (S.record && S.record.id === cu.id ? '.current' : ''), {
    type: 'button', onclick: () => openRecord(cu.id),
  },
  h('div.row-top', h('strong.ellipsis', cu.name || c.t('card.noName')),
    cu.segment ? h('span.tag', c.t('segment.' + cu.segment)) : null,
    cu.relationship ? h('span.tag.gold', c.t('relationship.' + cu.relationship)) : null),
  h('div.muted.small.ellipsis', [cu.phone, ...(cu.accounts || []).map((a) => a.account_no)].filter(Boolean).join(' · ') || cu.id)))));
}

async function openRecord(id, keepMerge) {
  S.editing = false;
  if (!keepMerge) S.merge = null;
  try {
    S.record = await c.api('GET', `/api/v1/customers/${enc(id)}`);
    if (!S.defs) S.defs = ((await c.api('GET', '/api/v1/customer-attributes')) || {}).attributes || [];
    S.audit = isAdmin() ? ((await c.api('GET', `/api/v1/customers/${enc(id)}/audit?limit=50`)) || {}).entries || [] : null;
    if (S.audit && !S.staff) S.staff = new Map(((await c.api('GET', '/api/v1/users').catch(() => [])) || []).map((u) => [u.id, u.name || u.email]));
  } catch (err) { toast(err.message, 'error'); }
  repaint();
}

const line = (k, v) => (v ? h('div.card-field', h('span.k', k), h('span.v', v)) : null);

function recordView() {
  const cu = S.record;
  if (!cu) return h('p.muted.placeholder-text', c.t('archive.pick'));
  if (S.editing) {
    return h('div.box.archive-card.archive-edit', h('h2', cu.name || c.t('card.noName')), recordForm(c, cu, S.defs, {
      prefix: 'archive-', submit: c.t('card.save'), cancel: () => { S.editing = false; repaint(); },
      save: async (next) => {
        await c.api('PUT', `/api/v1/customers/${enc(cu.id)}`, next);
        toast(c.t('card.saved'), 'ok');
        S.results = null;
        await search();
        await openRecord(cu.id);
      },
    }));
  }
  const o = cu.organisation;
  return h('div.box.archive-card',
    h('div.card-name', h('h2', cu.name || c.t('card.noName')),
      h('span.tag.soft', c.t('kind.' + (cu.kind || 'individual'))),
      cu.segment ? h('span.tag', c.t('segment.' + cu.segment)) : null,
      cu.relationship ? h('span.tag.gold', c.t('relationship.' + cu.relationship)) : null,
      cu.anonymised_at ? h('span.tag.red', c.t('archive.anonymised')) : null),
    line(c.t('card.phone'), [cu.phone, ...(cu.phones || [])].filter(Boolean).join(', ')),
    line(c.t('card.email'), cu.email),
    line(c.t('card.address'), cu.address),
    line(c.t('card.id_number'), cu.id_number),
    line(c.t('archive.identifier'), cu.identifier),
    o ? [line(c.t('archive.nature'), o.nature ? c.t('nature.' + o.nature) : ''), line(c.t('org.location'), o.location),
      line(c.t('archive.bank'), [o.bank, o.bank_account].filter(Boolean).join(' ')), line(c.t('org.postal_address'), o.postal_address),
      line(c.t('org.opened_on'), o.opened_on), line(c.t('org.registered_capital'), o.registered_capital != null ? '¥' + Number(o.registered_capital).toFixed(2) : ''),
      line(c.t('archive.employees'), o.employees ? String(o.employees) : ''), line(c.t('org.production_scale'), o.production_scale),
      line(c.t('org.sales_situation'), o.sales_situation)] : null,
    attributeLines(S.defs, cu.attributes).map(([k, v]) => line(k, v)),
    cu.merged_into ? h('p.small', c.t('merge.mergedInto'), ' ', h('button.link.small', { type: 'button', onclick: () => openRecord(cu.merged_into) }, cu.merged_into)) : null,
    !cu.merged_into && !cu.anonymised_at ? h('div.row', h('button.ghost.small', { type: 'button', id: 'archive-edit', onclick: () => { S.editing = true; repaint(); } }, c.t('card.edit')),
      isAdmin() ? h('button.ghost.small', { type: 'button', id: 'archive-merge', onclick: () => { S.merge = { results: null }; repaint(); } }, c.t('merge.start')) : null) : null,
    S.merge ? mergePanel(cu) : null,
    contactsSection(c, cu, { prefix: 'archive-', open: (id) => openRecord(id), editable: !cu.merged_into }),
    h('h3', c.t('card.accounts')),
    (cu.accounts || []).length ? h('table.grid.small',
      h('thead', h('tr', ['account_no', 'area', 'tariff', 'status', 'balance', 'arrears'].map((k) => h('th', c.t('archive.col.' + k))))),
      h('tbody', cu.accounts.map((a) => h('tr', h('td', a.account_no), h('td', a.area_class ? c.t('area.' + a.area_class) : '—'), h('td', a.tariff || '—'),
        h('td', c.t('account.' + (a.status || 'active'))), h('td', a.balance != null ? Number(a.balance).toFixed(2) : '—'), h('td', a.arrears != null ? Number(a.arrears).toFixed(2) : '—'))))) : h('p.muted.small', c.t('card.noAccounts')),
    S.audit ? [h('h3', c.t('archive.audit')), S.audit.length ? h('table.grid.small.archive-audit',
      h('thead', h('tr', ['at', 'actor', 'action', 'field'].map((k) => h('th', c.t('archive.audit.' + k))))),
      h('tbody', S.audit.map((e) => h('tr', h('td', when(c, e.at)), h('td', (S.staff && S.staff.get(e.actor_id)) || e.actor_id), h('td', c.t('audit.' + e.action)), h('td', [e.field, e.detail].filter(Boolean).join(' '))))))
      : h('p.muted.small', c.t('console.empty'))] : null,
    isAdmin() && !cu.anonymised_at ? h('div.row.end', h('button.danger.small', { type: 'button', id: 'archive-anonymise', onclick: anonymise }, c.t('archive.anonymise'))) : null);
}

// ---- merge -------------------------------------------------------------------------
/** mergePanel finds a duplicate, says what of it moves here, merges it and shows the merge record. */
function mergePanel(cu) {
  const m = S.merge;
  const close = h('button.ghost.small', { type: 'button', onclick: () => { S.merge = null; repaint(); } }, c.t('console.close'));
  if (m.result) {
    const r = m.result;
    return h('section#archive-merge-result.merge-panel', { role: 'status' }, h('h3', c.t('merge.done')),
      h('table.grid.small', h('tbody',
        [['merged', r.merged_id], ['survivor', r.survivor_id], ['by', (S.staff && S.staff.get(r.by)) || r.by], ['at', when(c, r.at)],
          ['conversations', r.conversations], ['work_orders', r.work_orders], ['requests', r.requests], ['accounts', r.accounts]]
          .map(([k, v]) => h('tr', h('th', c.t('merge.rec.' + k)), h('td', String(v)))))),
      h('div.row.end', close));
  }
  if (m.from) {
    const f = m.from;
    const mv = m.moves;
    return h('section#archive-merge-confirm.merge-panel', { role: 'alertdialog', 'aria-label': c.t('merge.confirmTitle') },
      h('h3', c.t('merge.confirmTitle')),
      h('p', c.t('merge.confirm', { from: f.name || f.id, into: cu.name || cu.id })),
      h('ul.merge-moves',
        h('li', c.t('merge.moves.conversations', { n: mv.conversations })),
        h('li', c.t('merge.moves.orders', { n: mv.orders })),
        h('li', c.t('merge.moves.accounts', { n: (f.accounts || []).length }), (f.accounts || []).length ? ': ' + f.accounts.map((a) => a.account_no).join(', ') : '')),
      h('p.muted.small', c.t('merge.keeps')),
      h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => { m.from = null; repaint(); } }, c.t('console.cancel')),
        h('button.danger.small', { type: 'button', id: 'archive-merge-do', onclick: () => doMerge(cu, f) }, c.t('merge.do'))));
  }
  let timer = 0;
  const q = h('input', {
    type: 'search', id: 'archive-merge-search', maxlength: 100, placeholder: c.t('archive.searchHint'), 'aria-label': c.t('merge.search'),
    oninput: (e) => {
      clearTimeout(timer);
      const query = e.target.value.trim();
      timer = setTimeout(async () => {
        try {
          m.results = query ? (((await c.api('GET', `/api/v1/customers?q=${enc(query)}&limit=20`)) || {}).customers || []).filter((x) => x.id !== cu.id) : null;
        } catch (err) { toast(err.message, 'error'); }
        const list = document.getElementById('archive-merge-results');
        if (list) list.replaceChildren(...mergeResults(cu));
      }, 250);
    },
  });
  setTimeout(() => q.focus(), 0);
  return h('section#archive-merge-find.merge-panel', h('h3', c.t('merge.title')), h('p.muted.small', c.t('merge.hint')), q,
    h('ul#archive-merge-results.list', mergeResults(cu)), h('div.row.end', close));
}

function mergeResults(cu) {
  const rs = S.merge && S.merge.results;
  if (!rs) return [];
  if (!rs.length) return [h('li.muted.small', c.t('archive.noResults'))];
  return rs.map((x) => h('li.row',
    h('div', h('strong', x.name || c.t('card.noName')), ' ', h('span.tag.soft', c.t('kind.' + (x.kind || 'individual'))),
      h('div.muted.small', [x.phone, ...(x.accounts || []).map((a) => a.account_no)].filter(Boolean).join(' · ') || x.id)),
    h('div.spacer'),
    h('button.primary.small', { type: 'button', onclick: () => pickDuplicate(cu, x.id) }, c.t('merge.pick'))));
}

/** pickDuplicate loads what would move, for the confirmation. */
async function pickDuplicate(cu, id) {
  try {
    const [from, convs, orders] = await Promise.all([
      c.api('GET', `/api/v1/customers/${enc(id)}`),
      c.api('GET', `/api/v1/customers/${enc(id)}/conversations?limit=500`),
      c.api('GET', `/api/v1/workorders?customer_id=${enc(id)}&limit=500`),
    ]);
    S.merge.from = from;
    S.merge.moves = { conversations: (convs || []).length, orders: ((orders || {}).workorders || []).length };
  } catch (err) { toast(err.message, 'error'); }
  repaint();
}

async function doMerge(cu, from) {
  try {
    const r = await c.api('POST', `/api/v1/customers/${enc(cu.id)}/merge`, { from_id: from.id });
    S.merge = { result: r };
    toast(c.t('merge.done'), 'ok');
    S.results = null;
    await search();
    await openRecord(cu.id, true);
  } catch (err) { toast(err.message, 'error'); repaint(); }
}

async function anonymise() {
  if (!confirm(c.t('archive.anonymiseConfirm'))) return;
  try {
    await c.api('POST', `/api/v1/customers/${enc(S.record.id)}/anonymise`);
    toast(c.t('archive.anonymisedDone'), 'ok');
    S.results = null;
    await search();
    await openRecord(S.record.id);
  } catch (err) { toast(err.message, 'error'); }
}

// ---- import and export -----------------------------------------------------------
/** authorized is fetch with the console's bearer token, for bodies that are not JSON. */
function authorized(path, init = {}) {
  const headers = Object.assign({ Accept: 'application/json' }, init.headers || {});
  if (c.session && c.session.token) headers.Authorization = 'Bearer ' + c.session.token;
  return fetch(path, { ...init, headers, credentials: 'same-origin' });
}

async function importCSV(f) {
  if (!f) return;
  S.importErrors = null;
  try {
    // The bytes go as they are: the server tells UTF-8 (with or without BOM) from GBK.
    const res = await authorized('/api/v1/customers/import', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: await f.arrayBuffer() });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const e = (data && data.error) || {};
      S.importErrors = { message: e.message || `HTTP ${res.status}`, lines: groupByLine(e.fields || {}) };
    } else {
      toast(c.t('archive.imported', { n: (data && data.imported) || 0 }), 'ok');
      S.results = null;
      await search();
    }
  } catch (err) { S.importErrors = { message: err.message, lines: [] }; }
  const input = document.getElementById('archive-import-file');
  if (input) input.value = '';
  repaint();
}

/** groupByLine turns {"3.phone": "…"} into [{line:3, problems:[[column,msg]]}]. */
function groupByLine(fields) {
  const by = new Map();
  for (const [k, msg] of Object.entries(fields)) {
    const m = /^(\d+)(?:\.(.+))?$/.exec(k);
    const n = m ? Number(m[1]) : 0;
    if (!by.has(n)) by.set(n, []);
    by.get(n).push([m ? m[2] || '' : k, msg]);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([n, problems]) => ({ line: n, problems }));
}

function importErrors() {
  const e = S.importErrors;
  if (!e) return null;
  return h('div.import-errors', { role: 'alert', id: 'archive-import-errors' },
    h('strong', e.message),
    e.lines.length ? h('ul', e.lines.map((l) => h('li', h('strong', l.line ? c.t('archive.line', { n: l.line }) : ''), ': ',
      l.problems.map(([col, msg]) => (col ? `${col} — ${msg}` : msg)).join('; ')))) : null,
    h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => { S.importErrors = null; repaint(); } }, c.t('console.close'))));
}

async function exportCSV() {
  try {
    const res = await authorized('/api/v1/customers/export', { headers: { Accept: 'text/csv' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const blob = await res.blob();
    const a = h('a', { href: URL.createObjectURL(blob), download: `gridline-customers-${new Date().toISOString().slice(0, 10)}.csv` });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  } catch (err) { toast(err.message, 'error'); }
}

// ---- attribute definitions ---------------------------------------------------------
function attributesView() {
  if (!S.attributes) return h('p.muted', c.t('console.loading'));
  const err = h('p.form-error', { role: 'alert' });
  const rows = h('tbody', S.attributes.map((a, i) => attrRow(a, i)));
  const form = h('form.archive-attrs', {
    onsubmit: async (e) => {
      e.preventDefault();
      const defs = [...rows.querySelectorAll('tr')].map((tr) => {
        const val = (n) => tr.querySelector(`[name=${n}]`).value.trim();
        const type = val('type');
        return { key: val('key'), label: val('label'), type, options: type === 'list' ? val('options').split(/[,，]/).map((s) => s.trim()).filter(Boolean) : [] };
      }).filter((d) => d.key);
      try {
        S.attributes = ((await c.api('PUT', '/api/v1/customer-attributes', { attributes: defs })) || {}).attributes || [];
        toast(c.t('archive.attrsSaved'), 'ok');
        repaint();
      } catch (ex) { err.textContent = ex.message + (ex.fields ? ' (' + Object.entries(ex.fields).map(([k, m]) => `${k}: ${m}`).join('; ') + ')' : ''); }
    },
  },
  h('p.muted.small', c.t('archive.attrsHint')),
  h('table.grid', h('thead', h('tr', ['key', 'label', 'type', 'options'].map((k) => h('th', c.t('archive.attr.' + k))), h('th', ''))), rows),
  err,
  isAdmin() ? h('div.row.end',
    h('button.ghost.small', { type: 'button', id: 'archive-attr-add', onclick: () => rows.append(attrRow({ key: '', label: '', type: 'text', options: [] }, rows.children.length)) }, '+ ' + c.t('archive.attrAdd')),
    h('button.primary.small', { type: 'submit' }, c.t('archive.attrsSave'))) : null);
  return form;
}

function attrRow(a, i) {
  const ro = !isAdmin();
  const tr = h('tr',
    h('td', h('input', { name: 'key', value: a.key, maxlength: 40, 'aria-label': c.t('archive.attr.key') + ' ' + (i + 1), readOnly: ro })),
    h('td', h('input', { name: 'label', value: a.label, maxlength: 100, 'aria-label': c.t('archive.attr.label') + ' ' + (i + 1), readOnly: ro })),
    h('td', h('select', { name: 'type', 'aria-label': c.t('archive.attr.type') + ' ' + (i + 1), disabled: ro }, ATTR_TYPES.map((t) => h('option', { value: t, selected: t === a.type }, c.t('archive.attrType.' + t))))),
    h('td', h('input', { name: 'options', value: (a.options || []).join(', '), 'aria-label': c.t('archive.attr.options') + ' ' + (i + 1), readOnly: ro })),
    h('td', ro ? null : h('button.ghost.small', { type: 'button', 'aria-label': c.t('archive.attrRemove'), onclick: () => tr.remove() }, '×')));
  return tr;
}

// ---- figures ---------------------------------------------------------------------
function countTable(title, counts, prefix, total) {
  const keys = Object.keys(counts || {}).sort((a, b) => counts[b] - counts[a]);
  return h('section.box.archive-figure',
    h('h2', title),
    keys.length ? h('table.grid.small', h('tbody', keys.map((k) => h('tr',
      h('th', k ? c.t(prefix + k) : c.t('archive.unknown')),
      h('td', h('meter', { min: 0, max: total || 1, value: counts[k] })),
      h('td.num', String(counts[k])))))) : h('p.muted.small', c.t('console.empty')));
}

function figuresView() {
  const f = S.figures;
  if (!f) return h('p.muted', c.t('console.loading'));
  const seg = f.service_by_segment || {};
  const per = (n, d) => (d ? (n / d).toFixed(2) : '—');
  return h('div.archive-figures',
    h('div.toolbar', h('span', c.t('archive.totals', { n: f.customers, m: f.accounts })), h('div.spacer'),
      h('button.ghost.small', { type: 'button', onclick: () => loadArchive(c) }, c.t('console.refresh'))),
    h('div.figure-grid',
      countTable(c.t('archive.bySegment'), f.by_segment, 'segment.', f.customers),
      countTable(c.t('archive.byRelationship'), f.by_relationship, 'relationship.', f.customers),
      countTable(c.t('archive.byArea'), f.by_area_class, 'area.', f.accounts)),
    h('section.box',
      h('h2', c.t('archive.service')),
      h('table.grid.small.archive-service',
        h('thead', h('tr', ['segment', 'customers', 'contacts', 'complaints', 'satisfaction'].map((k) => h('th', c.t('archive.svc.' + k))))),
        h('tbody', Object.keys(seg).sort().map((k) => {
          const s = seg[k];
          return h('tr', h('th', k ? c.t('segment.' + k) : c.t('archive.unknown')), h('td.num', String(s.customers)),
            h('td.num', per(s.conversations, s.customers)), h('td.num', per(s.complaints, s.customers)),
            h('td.num', s.ratings ? `${(s.rating_sum / s.ratings).toFixed(2)} / 5 (${s.ratings})` : '—'));
        }))),
      h('p.muted.small', c.t('archive.serviceHint'))));
}
