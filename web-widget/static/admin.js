// The admin pages: the knowledge base (list, search, edit with a live preview,
// publish, history, import and export), a "test the bot" bench, the questions
// the bot could not answer, staff users and the service figures. Every write
// goes through the REST API; a 409 on save means someone else saved first and
// is shown, never silently overwritten.
import { Console, h, loginForm, langButton, toast, when } from './console.js';
import { renderMarkdown } from './markdown.js';
import { applyText } from './i18n.js';
import { archivePage, loadArchive } from './admin-archive.js';
import { WorkOrderSettings } from './adminworkorders.js';
import { auditPage, loadAudit } from './admin-audit.js';
import { Dashboard } from './admin-dashboard.js';

const app = document.getElementById('app');
const c = new Console('admin', () => { if (!signedIn) { location.reload(); return; } applyText(document, c.lang); render(); });
const SKILLS = ['billing', 'repair', 'connection', 'complaint', 'general'];
let signedIn = false;

const S = {
  tab: (location.hash || '#articles').slice(1),
  articles: [],
  query: '',
  filterLang: '',
  filterStatus: '',
  edit: null, // the article being edited (a copy), or {new:true}
  conflict: 0, // the server's version when a save was refused
  fieldErrors: {},
  versions: null,
  importErrors: null,
  users: [],
  unanswered: [],
  stats: null,
  ask: null,
};
const isAdmin = () => c.user && c.user.role === 'admin';
const woSettings = new WorkOrderSettings(c, () => renderPage(), isAdmin);
const dashboard = new Dashboard(c, () => renderPage());

// ---- shell ---------------------------------------------------------------------
const TABS = ['articles', 'bot', 'unanswered', 'users', 'stats', 'dashboard', 'customers', 'workorders', 'audit'];
function render() {
  document.title = c.t('admin.title');
  app.removeAttribute('aria-busy');
  if (!TABS.includes(S.tab)) S.tab = 'articles';
  const tabs = h('div.tabs', { role: 'tablist', 'aria-label': c.t('admin.title') }, TABS.map((tab) => h('button', {
    type: 'button', role: 'tab', id: 'tab-' + tab, 'aria-selected': String(S.tab === tab), 'aria-controls': 'page', tabindex: S.tab === tab ? '0' : '-1',
    onclick: () => go(tab),
    onkeydown: (e) => {
      const i = TABS.indexOf(tab);
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
        go(next);
        document.getElementById('tab-' + next).focus();
      }
    },
  }, c.t('admin.tab.' + tab))));
  app.replaceChildren(
    h('header.topbar',
      h('div.brand', h('span.bolt', { 'aria-hidden': 'true' }, '⚡'), h('span', c.t('admin.title'))),
      h('div.spacer'),
      h('span.who', (c.user.name || c.user.email) + ' · ' + c.t('admin.role.' + c.user.role)),
      langButton(c),
      h('button.ghost', { type: 'button', onclick: async () => { await c.logout(); location.reload(); } }, c.t('console.logout'))),
    tabs,
    h('div#page.page', { role: 'tabpanel', 'aria-labelledby': 'tab-' + S.tab }));
  renderPage();
}
function go(tab) {
  S.tab = tab;
  history.replaceState(null, '', '#' + tab);
  render();
  load(tab);
}
function renderPage() {
  const page = document.getElementById('page');
  if (!page) return;
  const fn = { articles: articlesPage, bot: botPage, unanswered: unansweredPage, users: usersPage, stats: statsPage, dashboard: () => dashboard.page(), customers: () => archivePage(c, renderPage), workorders: () => woSettings.page(), audit: () => auditPage(c, renderPage) }[S.tab];
  page.replaceChildren(fn());
}
async function load(tab) {
  try {
    if (tab === 'articles') await loadArticles();
    if (tab === 'unanswered') S.unanswered = (await c.api('GET', '/api/v1/unanswered')) || [];
    if (tab === 'users') S.users = (await c.api('GET', '/api/v1/users')) || [];
    if (tab === 'stats') S.stats = await c.api('GET', '/api/v1/stats');
    if (tab === 'dashboard') await dashboard.load();
    if (tab === 'workorders') await woSettings.load();
    if (tab === 'bot') S.synonyms = (await c.api('GET', '/api/v1/synonyms')).sets || [];
    if (tab === 'customers') await loadArchive(c);
    if (tab === 'audit') await loadAudit(c);
  } catch (err) { toast(err.message, 'error'); }
  if (S.tab !== tab) return;
  // The articles page keeps its search box and file input (and their focus);
  // only the list changes.
  // The bot page keeps the question being typed: only the synonyms are redrawn.
  if (tab === 'articles') renderList();
  else if (tab === 'bot') { const box = document.getElementById('synonyms-box'); if (box) box.replaceWith(synonymsBox()); }
  else renderPage();
}

// ---- articles ------------------------------------------------------------------
async function loadArticles() {
  const q = S.query.trim();
  const params = new URLSearchParams();
  if (S.filterLang) params.set('lang', S.filterLang);
  if (S.filterStatus && !q) params.set('status', S.filterStatus);
  let list;
  if (q) { params.set('q', q); params.set('limit', '50'); list = await c.api('GET', '/api/v1/articles/search?' + params); }
  else list = await c.api('GET', '/api/v1/articles' + (params.toString() ? '?' + params : ''));
  S.articles = (list || []).map((x) => x.article || x);
  if (S.filterLang) S.articles = S.articles.filter((a) => a.lang === S.filterLang);
  if (S.filterStatus) S.articles = S.articles.filter((a) => a.status === S.filterStatus);
}
let searchTimer = 0;

function articlesPage() {
  const search = h('input', {
    type: 'search', value: S.query, placeholder: c.t('admin.search'), 'aria-label': c.t('admin.search'), id: 'article-search',
    oninput: (e) => {
      S.query = e.target.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(async () => { try { await loadArticles(); } catch (err) { toast(err.message, 'error'); } renderList(); }, 250);
    },
  });
  const sel = (value, opts, onchange, label) => h('select', { 'aria-label': label, onchange }, opts.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
  const fileInput = h('input.sr', { type: 'file', accept: 'application/json,.json', id: 'import-file', onchange: (e) => importFile(e.target.files[0]) });
  const left = h('div',
    h('div.toolbar', search),
    h('div.toolbar',
      sel(S.filterLang, [['', c.t('admin.all')], ['zh', '中文'], ['en', 'English']], async (e) => { S.filterLang = e.target.value; await loadArticles(); renderList(); }, c.t('admin.lang')),
      sel(S.filterStatus, [['', c.t('admin.all')], ['published', c.t('admin.published')], ['draft', c.t('admin.draft')]], async (e) => { S.filterStatus = e.target.value; await loadArticles(); renderList(); }, c.t('admin.status')),
      h('div.spacer'),
      isAdmin() ? h('button.primary.small', { type: 'button', onclick: newArticle }, '+ ' + c.t('admin.new')) : null),
    h('div.toolbar',
      isAdmin() ? h('label.ghost.small', { for: 'import-file', tabindex: '0', role: 'button', onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); } } }, c.t('admin.import')) : null,
      fileInput,
      h('button.ghost.small', { type: 'button', onclick: exportAll }, c.t('admin.export'))),
    h('div#import-box'),
    h('div#article-list.article-list'));
  const right = h('div#editor-box');
  setTimeout(() => { renderList(); renderImportErrors(); renderEditor(); }, 0);
  return h('div.articles', left, right);
}

function renderList() {
  const box = document.getElementById('article-list');
  if (!box) return;
  if (!S.articles.length) { box.replaceChildren(h('p.muted', S.query ? c.t('admin.noResults') : c.t('console.empty'))); return; }
  box.replaceChildren(h('ul.list', S.articles.map((a) => h('li', h('button.article-row' + (S.edit && S.edit.id === a.id ? '.current' : ''), {
    type: 'button', onclick: () => openArticle(a.id), 'aria-current': S.edit && S.edit.id === a.id ? 'true' : null,
  },
  h('strong', a.title),
  h('span.small.muted', a.slug, ' · ', a.lang === 'zh' ? '中文' : 'EN',
    h('span.tag' + (a.status === 'published' ? '' : '.draft'), c.t(a.status === 'published' ? 'admin.published' : 'admin.draft'))),
  a.snippet ? h('span.small.muted', a.snippet) : null)))));
}

async function openArticle(id) {
  try {
    const a = await c.api('GET', `/api/v1/articles/${id}`);
    S.edit = Object.assign({}, a);
    S.conflict = 0;
    S.fieldErrors = {};
    S.versions = null;
    renderList();
    renderEditor();
  } catch (err) { toast(err.message, 'error'); }
}

function newArticle() {
  S.edit = { new: true, slug: '', lang: c.lang, title: '', body: '', tags: [], questions: [], status: 'draft', version: 0 };
  S.conflict = 0;
  S.fieldErrors = {};
  S.versions = null;
  renderList();
  renderEditor();
  document.getElementById('a-slug').focus();
}

/** questionLines is an article's phrasings as the editor holds them: an array, or the textarea's text, one per line. */
function questionLines(q) {
  return (Array.isArray(q) ? q : String(q || '').split('\n')).map((x) => x.trim()).filter(Boolean);
}

/** fieldError is the first error for a list field: "questions" itself or one of its items ("questions[3]"). */
function fieldError(fe, name) {
  const k = Object.keys(fe).find((f) => f === name || f.startsWith(name + '['));
  return k ? (k === name ? fe[k] : `${k}: ${fe[k]}`) : null;
}

function articleBody(a) {
  return { slug: a.slug.trim(), lang: a.lang, title: a.title, body: a.body, tags: (Array.isArray(a.tags) ? a.tags : String(a.tags || '').split(',')).map((x) => x.trim()).filter(Boolean), questions: questionLines(a.questions), status: a.status, version: a.version || 0 };
}

async function saveArticle(statusChange) {
  const a = S.edit;
  if (!a) return;
  const body = articleBody(a);
  if (statusChange) body.status = statusChange;
  S.fieldErrors = {};
  try {
    const saved = a.new ? await c.api('POST', '/api/v1/articles', body) : await c.api('PUT', `/api/v1/articles/${a.id}`, body);
    S.edit = Object.assign({}, saved);
    S.conflict = 0;
    S.versions = null;
    toast(c.t('console.saved'), 'ok');
    await loadArticles();
    renderList();
    renderEditor();
  } catch (err) {
    if (err.status === 409 && !a.new && err.code === 'conflict' && !/slug/i.test(err.message)) {
      // Someone saved in between: find out their version, keep our text.
      let latest = null;
      try { latest = await c.api('GET', `/api/v1/articles/${a.id}`); } catch { /* deleted */ }
      S.conflict = latest ? latest.version : -1;
    } else if (err.fields) {
      S.fieldErrors = err.fields;
      toast(err.message, 'error');
    } else toast(err.message, 'error');
    renderEditor();
  }
}

async function deleteArticle() {
  const a = S.edit;
  if (!a || a.new || !confirm(c.t('admin.deleteConfirm'))) return;
  try {
    await c.api('DELETE', `/api/v1/articles/${a.id}`);
    S.edit = null;
    await loadArticles();
    renderList();
    renderEditor();
  } catch (err) { toast(err.message, 'error'); }
}

async function showVersions() {
  const a = S.edit;
  try {
    S.versions = (await c.api('GET', `/api/v1/articles/${a.id}/versions`)) || [];
  } catch (err) { toast(err.message, 'error'); return; }
  renderEditor();
}

function field(label, id, control, err) {
  return h('div.field', h('label', { for: id }, label), control, err ? h('span.form-error', err) : null);
}

function renderEditor() {
  const box = document.getElementById('editor-box');
  if (!box) return;
  const a = S.edit;
  if (!a) { box.replaceChildren(h('div.box.placeholder', h('p', c.t('admin.pickArticle')))); return; }
  const ro = !isAdmin();
  const fe = S.fieldErrors || {};
  const preview = h('div.preview', { id: 'preview', 'aria-label': c.t('admin.preview'), 'aria-live': 'off' });
  const paint = () => { preview.innerHTML = `<h1>${escapeText(a.title)}</h1>` + renderMarkdown(a.body); };
  const bind = (key) => (e) => { a[key] = e.target.value; if (key === 'body' || key === 'title') paint(); };
  paint();
  box.replaceChildren(...[
    S.conflict ? h('div.conflict', { role: 'alert' },
      h('span', c.t('admin.conflict', { n: S.conflict > 0 ? S.conflict : '?' })), h('div.spacer'),
      h('button.ghost.small', { type: 'button', onclick: () => openArticle(a.id) }, c.t('admin.reload'))) : null,
    h('div.box',
      h('div.row',
        h('h2.editor-title', a.new ? c.t('admin.new') : a.title || a.slug),
        a.new ? null : h('span.tag' + (a.status === 'published' ? '' : '.draft'), c.t(a.status === 'published' ? 'admin.published' : 'admin.draft')),
        a.new ? null : h('span.small.muted', c.t('admin.version', { n: a.version }), a.updated_at ? ' · ' + c.t('admin.updated', { t: when(c, a.updated_at) }) : '', a.updated_by ? ' · ' + a.updated_by : ''),
        h('div.spacer'),
        !a.new ? h('button.ghost.small', { type: 'button', onclick: showVersions }, c.t('admin.history')) : null),
      h('div.editor', { style: 'margin-top:12px' },
        h('div.fields',
          field(c.t('admin.titleField'), 'a-title', h('input', { id: 'a-title', value: a.title, maxlength: 200, oninput: bind('title'), readOnly: ro }), fe.title),
          field(c.t('admin.lang'), 'a-lang', h('select', { id: 'a-lang', onchange: bind('lang'), disabled: ro }, [['zh', '中文'], ['en', 'English']].map(([v, l]) => h('option', { value: v, selected: a.lang === v }, l))), fe.lang),
          field(c.t('admin.slug'), 'a-slug', h('input', { id: 'a-slug', value: a.slug, maxlength: 80, pattern: '[a-z0-9]+(-[a-z0-9]+)*', oninput: bind('slug'), readOnly: ro }), fe.slug),
          field(c.t('admin.status'), 'a-status', h('input', { id: 'a-status', value: c.t(a.status === 'published' ? 'admin.published' : 'admin.draft'), readOnly: true }), fe.status),
          h('div.field.wide', h('label', { for: 'a-tags' }, c.t('admin.tags')),
            h('input', { id: 'a-tags', value: Array.isArray(a.tags) ? a.tags.join(', ') : a.tags || '', oninput: bind('tags'), readOnly: ro }), fe.tags ? h('span.form-error', fe.tags) : null),
          h('div.field.wide', h('label', { for: 'a-questions' }, c.t('admin.questions')),
            h('textarea.questions', { id: 'a-questions', rows: 4, value: Array.isArray(a.questions) ? a.questions.join('\n') : a.questions || '', placeholder: c.t('admin.questionsHint'), oninput: bind('questions'), readOnly: ro }),
            fieldError(fe, 'questions') ? h('span.form-error', fieldError(fe, 'questions')) : null)),
        field(c.t('admin.body'), 'a-body', h('textarea.body', { id: 'a-body', value: a.body, oninput: bind('body'), readOnly: ro, spellcheck: false }), fe.body),
        h('div.field', h('span', c.t('admin.preview')), preview)),
      ro ? null : h('div.row.end',
        !a.new ? h('button.danger', { type: 'button', onclick: deleteArticle }, c.t('admin.delete')) : null,
        h('div.spacer'),
        !a.new ? h('button.ghost', { type: 'button', onclick: () => saveArticle(a.status === 'published' ? 'draft' : 'published') }, c.t(a.status === 'published' ? 'admin.unpublish' : 'admin.publish')) : null,
        h('button.primary', { type: 'button', onclick: () => saveArticle() }, c.t(a.new ? 'admin.create' : 'admin.save')))),
    S.versions ? h('div.box',
      h('h2', c.t('admin.history')),
      h('ul.list.versions', S.versions.map((v) => h('li',
        h('strong', c.t('admin.version', { n: v.version })),
        h('span.small.muted', when(c, v.updated_at), v.updated_by ? ' · ' + v.updated_by : ''),
        h('span.small.ellipsis', { style: 'flex:1' }, v.title),
        v.version !== a.version ? h('button.ghost.small', { type: 'button', onclick: () => { Object.assign(a, { title: v.title, body: v.body, tags: v.tags, questions: v.questions || [], slug: v.slug, lang: v.lang }); renderEditor(); } }, c.t('admin.restore')) : null)))) : null,
  ].filter(Boolean));
  const banner = box.querySelector('.conflict');
  if (banner) banner.scrollIntoView({ block: 'nearest' });
}

function escapeText(s) { const d = document.createElement('div'); d.textContent = s || ''; return d.innerHTML; }

async function importFile(file) {
  if (!file) return;
  S.importErrors = null;
  let rows;
  try {
    rows = JSON.parse(await file.text());
    if (!Array.isArray(rows)) throw new Error('not an array');
  } catch {
    S.importErrors = { message: c.t('admin.importBadFile'), rows: [] };
    renderImportErrors();
    return;
  }
  try {
    const res = await c.api('POST', '/api/v1/articles/import', rows);
    toast(c.t('admin.imported', { n: (res && res.imported) ?? rows.length }), 'ok');
    await loadArticles();
    renderList();
  } catch (err) {
    S.importErrors = { message: err.message, rows: groupRowErrors(err.fields || {}, rows) };
  }
  renderImportErrors();
  document.getElementById('import-file').value = '';
}

/** groupRowErrors turns {"3.slug": "…"} into [{index:3, label, problems:[[field,msg]]}]. */
function groupRowErrors(fields, rows) {
  const byRow = new Map();
  for (const [k, msg] of Object.entries(fields)) {
    const m = /^(\d+)(?:\.(.+))?$/.exec(k);
    const idx = m ? Number(m[1]) : -1;
    if (!byRow.has(idx)) byRow.set(idx, []);
    byRow.get(idx).push([m ? m[2] || '' : k, msg]);
  }
  return [...byRow.entries()].sort((x, y) => x[0] - y[0]).map(([index, problems]) => {
    const r = rows[index] || {};
    return { index, label: r.slug || r.title || '', problems };
  });
}

function renderImportErrors() {
  const box = document.getElementById('import-box');
  if (!box) return;
  const e = S.importErrors;
  if (!e) { box.replaceChildren(); return; }
  box.replaceChildren(h('div.import-errors', { role: 'alert' },
    h('strong', e.rows.length ? c.t('admin.importErrors') : e.message),
    e.rows.length ? h('ul', e.rows.map((r) => h('li',
      h('strong', r.index >= 0 ? c.t('admin.row', { n: r.index + 1 }) : ''), r.label ? ` (${r.label})` : '', ': ',
      r.problems.map(([f, msg]) => (f ? `${f} — ${msg}` : msg)).join('; ')))) : null,
    h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => { S.importErrors = null; renderImportErrors(); } }, c.t('console.close')))));
}

async function exportAll() {
  try {
    const data = await c.api('GET', '/api/v1/articles/export');
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `gridline-articles-${new Date().toISOString().slice(0, 10)}.json` });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  } catch (err) { toast(err.message, 'error'); }
}

// ---- test the bot --------------------------------------------------------------
function botPage() {
  const q = h('input', { id: 'ask-text', type: 'text', maxlength: 4000, placeholder: c.t('admin.askPlaceholder'), 'aria-label': c.t('admin.question'), value: S.ask ? S.ask.text : '' });
  const lang = h('select', { id: 'ask-lang', 'aria-label': c.t('admin.lang') }, [['', 'auto'], ['zh', '中文'], ['en', 'English']].map(([v, l]) => h('option', { value: v, selected: S.ask && S.ask.lang === v }, l)));
  const out = h('div#ask-result');
  const form = h('form.ask', {
    onsubmit: async (e) => {
      e.preventDefault();
      if (!q.value.trim()) return;
      const body = { text: q.value.trim() };
      if (lang.value) body.lang = lang.value;
      out.replaceChildren(h('p.muted', c.t('console.loading')));
      try {
        S.ask = { text: body.text, lang: lang.value, reply: await c.api('POST', '/api/v1/bot/ask', body) };
        out.replaceChildren(askResult(S.ask.reply));
      } catch (err) { out.replaceChildren(h('p.form-error', err.message)); }
    },
  }, q, lang, h('button.primary', { type: 'submit' }, c.t('admin.ask')));
  if (S.ask && S.ask.reply) out.replaceChildren(askResult(S.ask.reply));
  setTimeout(() => q.focus(), 0);
  return h('div', h('div.bot-test', form, out), synonymsBox());
}

/** synonymsBox edits the synonym sets: one set per line, words separated by / or a comma. */
function synonymsBox() {
  const text = (S.synonyms || []).map((set) => set.join(' / ')).join('\n');
  const area = h('textarea.synonyms', { id: 'synonyms', rows: 10, value: text, readOnly: !isAdmin(), spellcheck: false, 'aria-describedby': 'synonyms-hint' });
  const err = h('span.form-error', { id: 'synonyms-error' });
  const save = async () => {
    const sets = area.value.split('\n').map((l) => l.split(/[\/,，、]/).map((w) => w.trim()).filter(Boolean)).filter((set) => set.length);
    err.textContent = '';
    try {
      S.synonyms = (await c.api('PUT', '/api/v1/synonyms', { sets })).sets || [];
      toast(c.t('console.saved'), 'ok');
      document.getElementById('synonyms-box').replaceWith(synonymsBox());
    } catch (e) {
      err.textContent = e.fields ? Object.entries(e.fields).map(([k, m]) => { const n = /\[(\d+)\]/.exec(k); return (n ? c.t('admin.row', { n: Number(n[1]) + 1 }) + ': ' : '') + m; }).join('; ') : e.message;
    }
  };
  return h('div#synonyms-box.box', { style: 'margin-top:16px' },
    h('h2', h('label', { for: 'synonyms' }, c.t('admin.synonyms'))),
    h('p.small.muted', { id: 'synonyms-hint' }, c.t('admin.synonymsHint')),
    area, err,
    isAdmin() ? h('div.row.end', h('button.primary', { type: 'button', id: 'synonyms-save', onclick: save }, c.t('admin.save'))) : null);
}

function askResult(r) {
  const pct = Math.round(Math.max(0, Math.min(1, Number(r.confidence) || 0)) * 100);
  const answer = h('div.answer');
  answer.innerHTML = renderMarkdown(r.text || '');
  return h('div.result', { 'aria-live': 'polite' },
    h('dl',
      h('dt', c.t('admin.action')), h('dd', h('span.tag.action-' + r.action, r.action), r.urgent ? h('span.tag.red', c.t('admin.urgent')) : null),
      h('dt', c.t('admin.confidence')), h('dd', h('span.bar', { role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-label': c.t('admin.confidence') }, h('span', { style: `width:${pct}%` })), `${pct}%`),
      h('dt', c.t('admin.citations')), h('dd', (r.citations || []).length ? (r.citations || []).map((x) => h('span.tag', x.title || x.slug)) : '—'),
      (r.suggestions || []).length ? [h('dt', c.t('admin.suggestionsLabel')), h('dd', r.suggestions.map((x) => h('span.tag.draft', x.title || x.slug)))] : null),
    h('h3.small.muted', c.t('admin.answer')),
    answer);
}

// ---- unanswered ----------------------------------------------------------------
// Each question gets an article picker that searches (in the question's
// language) instead of listing every article: it opens with the articles
// closest to the question itself, and the admin types to look for another.
function unansweredPage() {
  if (!S.unanswered.length) return h('div.box', h('p', c.t('admin.noUnanswered')));
  return h('table.grid',
    h('thead', h('tr', h('th', c.t('admin.question')), h('th', c.t('admin.lang')), h('th', c.t('admin.count')), h('th', c.t('admin.lastAt')), h('th', c.t('admin.link')))),
    h('tbody', S.unanswered.map((u) => h('tr',
      h('td', u.text), h('td', u.lang), h('td', String(u.count)), h('td.small', when(c, u.last_at)),
      h('td', isAdmin() ? linkPicker(u) : null)))));
}

function linkPicker(u) {
  let chosen = 0;
  let timer = 0;
  const results = h('ul.picker', { role: 'listbox', 'aria-label': c.t('admin.link') + ': ' + u.text });
  const resolve = h('button.ghost.small', {
    type: 'button', disabled: true,
    onclick: async () => {
      if (!chosen) return;
      try {
        await c.api('POST', `/api/v1/unanswered/${u.id}/resolve`, { article_id: chosen });
        S.unanswered = S.unanswered.filter((x) => x.id !== u.id);
        toast(c.t('admin.linked'), 'ok');
        renderPage();
      } catch (err) { toast(err.message, 'error'); }
    },
  }, c.t('admin.resolve'));
  const show = (hits) => {
    chosen = 0;
    resolve.disabled = true;
    if (!hits.length) { results.replaceChildren(h('li.muted.small', c.t('admin.linkNone'))); return; }
    results.replaceChildren(...hits.map((x) => {
      const a = x.article || x;
      const opt = h('li', {
        role: 'option', tabindex: '0', 'aria-selected': 'false', 'data-id': String(a.id),
        onclick: () => pick(opt, a.id),
        onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(opt, a.id); } },
      }, h('span', a.title), ' ', h('span.small.muted', a.slug));
      return opt;
    }));
  };
  const pick = (opt, id) => {
    chosen = id;
    resolve.disabled = false;
    for (const li of results.querySelectorAll('li')) li.setAttribute('aria-selected', String(li === opt));
  };
  const find = async (q) => {
    const params = new URLSearchParams({ q, limit: '6' });
    if (u.lang) params.set('lang', u.lang);
    try { show((await c.api('GET', '/api/v1/articles/search?' + params)) || []); } catch (err) { toast(err.message, 'error'); }
  };
  const input = h('input', {
    type: 'search', placeholder: c.t('admin.linkSearch'), 'aria-label': c.t('admin.linkSearch') + ': ' + u.text,
    oninput: (e) => {
      clearTimeout(timer);
      const q = e.target.value.trim();
      timer = setTimeout(() => find(q || u.text), 250);
    },
  });
  find(u.text);
  return h('div.link-picker', input, results, resolve);
}

// ---- users ---------------------------------------------------------------------
function userForm(u) {
  const isNew = !u;
  u = u || { name: '', email: '', role: 'agent', skills: ['general'], capacity: 3, disabled: false };
  const id = (k) => `u-${isNew ? 'new' : u.id}-${k}`;
  const name = h('input', { id: id('name'), value: u.name, required: true, maxlength: 100 });
  const email = h('input', { id: id('email'), type: 'email', value: u.email, required: true, disabled: !isNew });
  const role = h('select', { id: id('role') }, ['agent', 'supervisor', 'admin'].map((r) => h('option', { value: r, selected: u.role === r }, c.t('admin.role.' + r))));
  const cap = h('input', { id: id('cap'), type: 'number', min: 0, max: 50, value: String(u.capacity ?? 3) });
  const pass = h('input', { id: id('pass'), type: 'password', autocomplete: 'new-password', required: isNew, minlength: 8 });
  const disabled = h('input', { id: id('disabled'), type: 'checkbox', checked: !!u.disabled });
  const skills = SKILLS.map((s) => h('input', { type: 'checkbox', value: s, id: id('skill-' + s), checked: (u.skills || []).includes(s) }));
  const err = h('p.form-error', { role: 'alert', style: 'grid-column:1/-1' });
  return h('form.user-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const body = { name: name.value.trim(), role: role.value, skills: skills.filter((x) => x.checked).map((x) => x.value), capacity: Number(cap.value), disabled: disabled.checked };
      if (pass.value) body.password = pass.value;
      try {
        if (isNew) { body.email = email.value.trim(); await c.api('POST', '/api/v1/users', body); }
        else await c.api('PUT', `/api/v1/users/${u.id}`, body);
        toast(c.t('console.saved'), 'ok');
        S.editUser = null;
        await load('users');
      } catch (ex) { err.textContent = ex.fields ? Object.entries(ex.fields).map(([k, v]) => `${k}: ${v}`).join('; ') : ex.message; }
    },
  },
  field(c.t('admin.users.name'), id('name'), name),
  field(c.t('admin.users.email'), id('email'), email),
  field(c.t('admin.users.role'), id('role'), role),
  field(c.t('admin.users.capacity'), id('cap'), cap),
  field(isNew ? c.t('admin.users.password') : c.t('admin.users.passwordKeep'), id('pass'), pass),
  h('div.field', h('span', c.t('admin.users.skills')), h('div.skills', skills.map((x) => h('label', { for: x.id }, x, c.t('skill.' + x.value))))),
  h('div.field', h('label', { for: id('disabled') }, c.t('admin.users.disabled')), disabled),
  h('div.row', h('button.primary', { type: 'submit' }, isNew ? c.t('admin.users.add') : c.t('admin.save')),
    isNew ? null : h('button.ghost', { type: 'button', onclick: () => { S.editUser = null; renderPage(); } }, c.t('console.cancel'))),
  err);
}

function usersPage() {
  if (!isAdmin()) return h('div.box', h('p', c.t('console.forbidden')));
  return h('div',
    S.editUser ? userForm(S.users.find((u) => u.id === S.editUser)) : userForm(null),
    h('table.grid',
      h('thead', h('tr', ['name', 'email', 'role', 'skills', 'capacity', 'disabled'].map((k) => h('th', c.t('admin.users.' + k))), h('th', ''))),
      h('tbody', S.users.map((u) => h('tr',
        h('td', u.name), h('td', u.email), h('td', c.t('admin.role.' + u.role)),
        h('td', (u.skills || []).map((s) => h('span.tag', c.t('skill.' + s)))),
        h('td', String(u.capacity)), h('td', u.disabled ? c.t('admin.yes') : c.t('admin.no')),
        h('td', h('button.ghost.small', { type: 'button', onclick: () => { S.editUser = u.id; renderPage(); } }, c.t('admin.users.edit'))))))));
}

// ---- figures -------------------------------------------------------------------
function statsPage() {
  const s = S.stats;
  if (!s) return h('p.muted', c.t('console.loading'));
  const fmt = {
    bot_resolved_rate: (v) => `${Math.round((Number(v) || 0) * 100)}%`,
    avg_wait_seconds: (v) => c.t('admin.seconds', { n: Math.round(Number(v) || 0) }),
    avg_rating: (v) => (v ? Number(v).toFixed(2) + ' / 5' : '—'),
  };
  const keys = ['conversations', 'bot_resolved_rate', 'handoffs', 'avg_wait_seconds', 'avg_rating', 'open_requests', 'unanswered'];
  return h('div',
    h('div.toolbar', h('div.spacer'), h('button.ghost.small', { type: 'button', onclick: () => load('stats') }, c.t('console.refresh'))),
    h('div.stats', keys.map((k) => h('div.stat', h('div.k', c.t('admin.stats.' + k)), h('div.v', (fmt[k] || String)(s[k] ?? 0))))));
}

// ---- boot ----------------------------------------------------------------------
c.onSignedOut = () => { signedIn = false; start(); };
async function start() {
  applyText(document, c.lang);
  document.title = c.t('admin.title');
  if (c.user && !(await c.refreshUser())) return; // signedOut started over at sign-in
  if (!c.user) {
    app.removeAttribute('aria-busy');
    app.replaceChildren(h('div.login-wrap', h('div.login-top', langButton(c)), h('div#login')));
    await loginForm(c, document.getElementById('login'), (u) => u.role === 'admin' || u.role === 'supervisor');
  }
  signedIn = true;
  render();
  load(S.tab);
}
start();
