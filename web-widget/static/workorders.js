// The agent console's work orders (工单): the lists (mine, everything the agent
// may see — the team's for supervisors —, the overdue board, by type), the
// order page with its deadlines and timeline and the lifecycle's actions, and
// "new order", from a chat or from nothing. Live workorder frames refresh what
// is shown; warnings (80 % of a deadline gone) and breaches are highlighted.
// agent.js owns the page and hands this module a box to render into.
import { h, toast, when } from './console.js';

/** TYPES are the work-order types, in the order the console offers them. */
export const TYPES = ['repair', 'complaint', 'report', 'service_request', 'application', 'consultation', 'opinion', 'praise'];
const SUBTYPES = {
  service_request: ['reconnection', 'appliance_damage', 'meter_anomaly', 'reading_anomaly', 'other'],
  application: ['new_connection', 'capacity_change', 'transfer', 'close_account', 'ev_charger', 'solar'],
  consultation: ['message', 'callback'],
  opinion: ['opinion', 'suggestion'],
};

/**
 * deadlineState is how a deadline stands at now: met, breached, warning (80 %
 * of its time gone, as the sweep warns) or pending, and the fraction gone.
 */
export function deadlineState(d, now = Date.now()) {
  if (d.met_at) return { state: 'met', frac: 1 };
  const start = Date.parse(d.start_at), due = Date.parse(d.due_at);
  const frac = due > start ? (now - start) / (due - start) : 1;
  if (d.breached || now >= due) return { state: 'breached', frac };
  if (d.warned || frac >= 0.8) return { state: 'warning', frac };
  return { state: 'pending', frac };
}

/** worstState is the most pressing state of an order's open deadlines. */
function worstState(wo, now) {
  const rank = { breached: 3, warning: 2, pending: 1, met: 0 };
  let worst = 'met';
  for (const d of wo.deadlines || []) {
    const s = deadlineState(d, now).state;
    if (rank[s] > rank[worst]) worst = s;
  }
  return wo.status === 'closed' ? 'met' : worst;
}

/** span writes a duration in minutes, hours or days. */
function span(c, ms) {
  const m = Math.round(Math.abs(ms) / 60000);
  if (m < 90) return c.t('wo.minutes', { n: m });
  if (m < 48 * 60) return c.t('wo.hours', { n: Math.round(m / 60) });
  return c.t('wo.days', { n: Math.round(m / 1440) });
}

/** Which actions a status offers, in the order of the lifecycle. */
const ACTIONS = {
  accepted: ['dispatch', 'handle', 'contact'],
  dispatched: ['arrive', 'handle', 'dispatch', 'contact'],
  on_site: ['handle'],
  handled: ['follow_up', 'close', 'reopen'],
  followed_up: ['close', 'reopen'],
  closed: ['reopen'],
};

/** WorkOrders is the console's work-order room. */
export class WorkOrders {
  /**
   * @param {import('./console.js').Console} c the page's session
   * @param {{openChat: (id: string) => void, me: () => object}} hooks
   */
  constructor(c, hooks) {
    this.c = c;
    this.hooks = hooks;
    this.tab = 'mine';
    this.type = '';
    this.list = [];
    this.current = null; // the order on the page, with its timeline
    this.alerts = new Map(); // order id -> 'warning' | 'breach', until seen
    this.box = null;
    this.onAlert = null;
  }

  me() { return this.hooks.me() || {}; }
  supervisor() { return ['supervisor', 'admin'].includes(this.me().role); }

  /** mount renders the room into box and loads the current list. */
  mount(box) {
    this.box = box;
    this.render();
    this.load();
  }

  query() {
    const q = new URLSearchParams({ limit: '200' });
    if (this.tab === 'mine') { q.set('owner', 'me'); q.set('open', 'true'); }
    if (this.tab === 'all') q.set('open', 'true');
    if (this.tab === 'overdue') q.set('overdue', 'true');
    if (this.type) q.set('type', this.type);
    return q;
  }

  async load() {
    try {
      const res = await this.c.api('GET', '/api/v1/workorders?' + this.query());
      this.list = (res && res.workorders) || [];
    } catch (err) { if (err.status !== 401) toast(err.message, 'error'); this.list = []; }
    this.renderList();
  }

  async open(id) {
    try {
      this.current = await this.c.api('GET', '/api/v1/workorders/' + encodeURIComponent(id));
      this.alerts.delete(id);
    } catch (err) { toast(err.message, 'error'); return; }
    await this.loadIncident(this.current);
    this.renderList();
    this.renderPage();
  }

  /**
   * loadIncident finds the order's incident: its master (null when the agent
   * may not see it; the id is shown then) or the reports under it.
   */
  async loadIncident(wo) {
    const inc = { master: null, children: [] };
    try {
      if (wo.master_id) inc.master = await this.c.api('GET', '/api/v1/workorders/' + encodeURIComponent(wo.master_id));
      else {
        const res = await this.c.api('GET', '/api/v1/workorders?' + new URLSearchParams({ master: wo.id, limit: '200' }));
        inc.children = (res && res.workorders) || [];
      }
    } catch { /* an order the agent may not see: the page says what it knows */ }
    this.incident = inc;
  }

  /** onFrame takes a workorder frame: alerts highlight, any change refreshes. */
  onFrame(f) {
    const o = f.order || {};
    if (f.alert) {
      this.alerts.set(o.id, f.kind);
      toast(this.c.t(f.kind === 'breach' ? 'wo.breachToast' : 'wo.warningToast', { n: o.number || '', d: this.c.t('wo.deadline.' + (f.deadline || 'answer')) }), f.kind === 'breach' ? 'error' : undefined);
      if (this.onAlert) this.onAlert();
    }
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      if (!this.box || !this.box.isConnected) return;
      this.load();
      // The page refreshes for its own order, and for a report joining or
      // leaving the incident it heads.
      if (this.current && (this.current.id === o.id || this.current.id === f.master_id)) this.open(this.current.id);
    }, 300);
  }

  /** alertCount is how many orders have an unseen warning or breach. */
  alertCount() { return this.alerts.size; }

  render() {
    const c = this.c;
    if (!this.box) return;
    const tabs = [['mine', 'wo.tab.mine'], ['all', this.supervisor() ? 'wo.tab.team' : 'wo.tab.all'], ['overdue', 'wo.tab.overdue'], ['closed', 'wo.tab.any']];
    this.box.replaceChildren(
      h('nav.sidebar.wo-lists', { 'aria-label': c.t('wo.title') },
        h('section.box',
          h('div.row', h('h2', c.t('wo.title')), h('div.spacer'),
            h('button.primary.small', { type: 'button', id: 'wo-new', onclick: () => this.newOrder() }, c.t('wo.new'))),
          h('div.wo-tabs', { role: 'tablist' }, tabs.map(([k, label]) => h('button.tab' + (this.tab === k ? '.on' : ''), {
            type: 'button', role: 'tab', 'aria-selected': String(this.tab === k), dataset: { tab: k },
            onclick: () => { this.tab = k; this.render(); this.load(); },
          }, c.t(label)))),
          h('label.sr', { for: 'wo-type' }, c.t('wo.type')),
          h('select', { id: 'wo-type', onchange: (e) => { this.type = e.target.value; this.load(); } },
            h('option', { value: '' }, c.t('wo.allTypes')),
            TYPES.map((t) => h('option', { value: t, selected: t === this.type }, c.t('wo.type.' + t))))),
        h('section.box', h('ul.list', { id: 'wo-list' }))),
      h('section.wo-page', { id: 'wo-page', 'aria-live': 'polite' }));
    this.renderList();
    this.renderPage();
  }

  row(wo) {
    const c = this.c, now = Date.now();
    const worst = worstState(wo, now);
    const alert = this.alerts.get(wo.id);
    const next = (wo.deadlines || []).filter((d) => !d.met_at).sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at))[0];
    return h('li', h('button.chat-row.wo-row' + (this.current && this.current.id === wo.id ? '.current' : '') + (alert ? '.alert-' + alert : ''), {
      type: 'button', dataset: { id: wo.id, state: worst }, onclick: () => this.open(wo.id),
    },
    h('div.row-top', h('strong.wo-number', wo.number), h('span.tag.status-' + wo.status, c.t('wo.status.' + wo.status))),
    h('div.wo-tags', h('span.tag', c.t('wo.type.' + wo.type)), wo.urgent ? h('span.tag.red', c.t('agent.urgent')) : null,
      wo.master_id ? h('span.tag.gold', c.t('wo.inIncident')) : null),
    h('div.muted.small.ellipsis', wo.address || wo.description || ''),
    next && wo.status !== 'closed' ? this.badge(next, now) : null));
  }

  badge(d, now = Date.now()) {
    const c = this.c;
    const { state } = deadlineState(d, now);
    const due = Date.parse(d.due_at);
    const label = c.t('wo.deadline.' + d.kind);
    let text;
    if (state === 'met') text = c.t('wo.met', { d: label });
    else if (state === 'breached') text = c.t('wo.late', { d: label, t: span(c, now - due) });
    else text = c.t('wo.dueIn', { d: label, t: span(c, due - now) });
    return h('span.badge.dl-' + state, { title: when(c, d.due_at), dataset: { kind: d.kind } }, text);
  }

  renderList() {
    const ul = this.box && this.box.querySelector('#wo-list');
    if (!ul) return;
    const list = this.list;
    ul.classList.toggle('board', this.tab === 'overdue');
    ul.replaceChildren(...(list.length ? list.map((wo) => this.row(wo)) : [h('li.muted.small', this.c.t(this.tab === 'overdue' ? 'wo.noOverdue' : 'wo.none'))]));
  }

  renderPage() {
    const c = this.c;
    const box = this.box && this.box.querySelector('#wo-page');
    if (!box) return;
    const wo = this.current;
    if (!wo) { box.replaceChildren(h('div.placeholder', h('p', c.t('wo.pick')))); return; }
    const now = Date.now();
    const field = (k, v) => (v ? [h('dt', c.t(k)), h('dd', v)] : []);
    box.replaceChildren(
      h('header.chat-head',
        h('div', h('h2', wo.number, h('span.tag.status-' + wo.status, c.t('wo.status.' + wo.status)),
          wo.urgent ? h('span.tag.red', c.t('agent.urgent')) : null,
          wo.reopened ? h('span.tag.gold', c.t('wo.reopened', { n: wo.reopened })) : null,
          wo.reminders ? h('span.tag.gold', c.t('wo.reminders', { n: wo.reminders })) : null),
        h('p.muted.small', c.t('wo.type.' + wo.type) + (wo.subtype ? ' · ' + c.t('wo.sub.' + wo.subtype) : '') + ' · ' + when(c, wo.created_at))),
        h('div.spacer'),
        wo.conversation_id ? h('button.ghost', { type: 'button', onclick: () => this.hooks.openChat(wo.conversation_id) }, c.t('wo.openChat')) : null),
      h('div.wo-body',
        h('section.box',
          h('h3', c.t('wo.details')),
          h('dl.facts', field('wo.description', wo.description), field('wo.address', wo.address), field('wo.phone', wo.phone),
            field('wo.account', wo.account_no), field('wo.area', wo.area_class ? c.t('wo.areaClass.' + wo.area_class) : ''),
            field('wo.department', wo.department),
            field('wo.owner', wo.owner_id ? (wo.owner_id === this.me().id ? this.me().name : wo.owner_id.slice(0, 8)) : c.t('wo.noOwner')),
            field('wo.followUp', wo.follow_up ? c.t('wo.fu.' + wo.follow_up) : ''))),
        h('section.box',
          h('h3', c.t('wo.deadlines')),
          (wo.deadlines || []).length ? h('ul.list.deadlines', wo.deadlines.map((d) => h('li',
            this.badge(d, now), h('span.muted.small', ' ' + c.t('wo.dueAt', { t: when(c, d.due_at) })))))
            : h('p.muted.small', c.t('wo.noDeadlines'))),
        this.actions(wo),
        this.incidentBox(wo),
        h('section.box',
          h('h3', c.t('wo.timeline')),
          h('ol.timeline', (wo.timeline || []).slice().reverse().map((e) => h('li',
            h('div.row-top', h('strong', c.t('wo.action.' + e.action)), h('span.tag.status-' + e.status, c.t('wo.status.' + e.status)),
              h('span.muted.small', when(c, e.at))),
            h('div.muted.small', this.who(e.by)),
            e.note ? h('p.small', e.note) : null))))));
  }

  who(by) {
    if (by === 'system') return this.c.t('wo.bySystem');
    if (by === 'customer') return this.c.t('wo.byCustomer');
    return by === this.me().id ? this.me().name : String(by || '').slice(0, 8);
  }

  actions(wo) {
    const c = this.c;
    const acts = ACTIONS[wo.status] || [];
    const note = h('textarea', { id: 'wo-note', rows: 2, maxlength: 2000, placeholder: c.t('wo.notePlaceholder') });
    const dept = h('input', { id: 'wo-dept', maxlength: 100, placeholder: c.t('wo.deptPlaceholder') });
    const buttons = [];
    for (const a of acts) {
      if (a === 'follow_up') {
        buttons.push(
          h('button.primary.small', { type: 'button', dataset: { action: 'satisfied' }, onclick: () => this.act('follow_up', { satisfied: true }, note) }, c.t('wo.do.satisfied')),
          h('button.ghost.small', { type: 'button', dataset: { action: 'dissatisfied' }, onclick: () => this.act('follow_up', { satisfied: false }, note) }, c.t('wo.do.dissatisfied')),
          h('button.ghost.small', { type: 'button', dataset: { action: 'unreachable' }, onclick: () => this.act('follow_up', {}, note) }, c.t('wo.do.unreachable')));
        continue;
      }
      const extra = a === 'dispatch' ? () => ({ department: dept.value.trim() }) : () => ({});
      buttons.push(h('button.small' + (buttons.length ? '.ghost' : '.primary'), { type: 'button', dataset: { action: a }, onclick: () => this.act(a, extra(), note) }, c.t('wo.do.' + a)));
    }
    return h('section.box.wo-actions',
      h('h3', c.t('wo.actions')),
      acts.includes('dispatch') ? [h('label', { for: 'wo-dept' }, c.t('wo.department')), dept] : null,
      h('label', { for: 'wo-note' }, c.t('wo.note')), note,
      h('div.row.wrap', buttons),
      h('p.form-error', { id: 'wo-error', role: 'alert' }));
  }

  /**
   * incidentBox shows the order's incident: the master it is a report of, with
   * "split out"; or the reports under it; or, for an open order heading none,
   * "merge under" a master given by its number.
   */
  incidentBox(wo) {
    const c = this.c;
    const inc = this.incident || { master: null, children: [] };
    const link = (o) => h('button.link.wo-link', { type: 'button', dataset: { id: o.id }, onclick: () => this.open(o.id) }, o.number);
    const body = [];
    if (wo.master_id) {
      const m = inc.master;
      body.push(h('p.small.wo-master', c.t('wo.partOf'), ' ', m ? link(m) : String(wo.master_id).slice(0, 8),
        m ? h('span.tag.status-' + m.status, c.t('wo.status.' + m.status)) : null));
      if (wo.status !== 'closed') {
        body.push(h('div.row.wrap', h('button.ghost.small', { type: 'button', dataset: { action: 'split' }, onclick: () => this.act('split', {}) }, c.t('wo.do.split'))));
      }
    } else if (inc.children.length) {
      body.push(h('p.small', c.t('wo.children', { n: inc.children.length })),
        h('ul.list.wo-children', inc.children.map((o) => h('li', link(o), ' ',
          h('span.tag.status-' + o.status, c.t('wo.status.' + o.status)), ' ', h('span.muted.small', o.address || o.description || '')))));
    } else if (wo.status !== 'closed') {
      const num = h('input', { id: 'wo-master', maxlength: 40, placeholder: c.t('wo.masterPlaceholder'), autocomplete: 'off' });
      body.push(h('p.muted.small', c.t('wo.noIncident')),
        h('label', { for: 'wo-master' }, c.t('wo.masterNumber')), num,
        h('div.row.wrap', h('button.ghost.small', { type: 'button', dataset: { action: 'merge' }, onclick: () => this.merge(num.value.trim()) }, c.t('wo.do.merge'))));
    } else {
      body.push(h('p.muted.small', c.t('wo.noIncident')));
    }
    return h('section.box.wo-incident', h('h3', c.t('wo.incident')), body, h('p.form-error', { id: 'wo-incident-error', role: 'alert' }));
  }

  /** merge puts the current order under the master numbered number. */
  async merge(number) {
    const err = this.box.querySelector('#wo-incident-error');
    err.textContent = '';
    if (!number) { err.textContent = this.c.t('wo.masterRequired'); return; }
    let master;
    try {
      const res = await this.c.api('GET', '/api/v1/workorders?' + new URLSearchParams({ q: number, limit: '5' }));
      master = ((res && res.workorders) || []).find((o) => o.number.toUpperCase() === number.toUpperCase());
    } catch (e) { err.textContent = e.message; return; }
    if (!master) { err.textContent = this.c.t('wo.masterNotFound', { n: number }); return; }
    await this.act('merge', { master_id: master.id }, null, err);
  }

  async act(action, extra, note, errBox) {
    const wo = this.current;
    if (!wo) return;
    const err = errBox || this.box.querySelector('#wo-error');
    err.textContent = '';
    const noteBox = note || this.box.querySelector('#wo-note');
    const body = Object.assign({ action, version: wo.version, note: noteBox ? noteBox.value.trim() : '' }, extra);
    try {
      this.current = await this.c.api('POST', `/api/v1/workorders/${encodeURIComponent(wo.id)}/events`, body);
      await this.loadIncident(this.current);
      this.renderPage();
      this.load();
    } catch (e) {
      if (e.status === 409) {
        // Someone else acted first, or the step does not fit the status: say so
        // and show the order as it is now.
        await this.open(wo.id);
        const box = this.box.querySelector(errBox ? '#wo-incident-error' : '#wo-error');
        if (box) box.textContent = this.c.t('wo.conflict', { msg: e.message });
        return;
      }
      err.textContent = e.fields ? Object.values(e.fields).join(' ') : e.message;
    }
  }

  /** newOrder opens the new-order form, filled from a chat when one is given. */
  newOrder(conv) {
    const c = this.c;
    const cu = (conv && conv.customer) || {};
    const type = h('select', { id: 'no-type', required: true }, TYPES.map((t) => h('option', { value: t }, c.t('wo.type.' + t))));
    const sub = h('select', { id: 'no-subtype' });
    const syncSub = () => {
      const subs = SUBTYPES[type.value] || [];
      sub.replaceChildren(h('option', { value: '' }, '—'), subs.map((s) => h('option', { value: s }, c.t('wo.sub.' + s))));
      sub.disabled = !subs.length;
    };
    type.addEventListener('change', syncSub);
    syncSub();
    const input = (id, v, max) => h('input', { id, value: v || '', maxlength: max });
    const phone = input('no-phone', cu.phone, 32), account = input('no-account', cu.account_no || (conv && conv.account_no), 32);
    const address = input('no-address', '', 200);
    const desc = h('textarea', { id: 'no-desc', rows: 3, maxlength: 4000, required: true });
    const urgent = h('input', { type: 'checkbox', id: 'no-urgent' });
    const err = h('p.form-error', { role: 'alert' });
    const dlg = h('dialog.modal', { 'aria-labelledby': 'no-title' },
      h('form', {
        method: 'dialog',
        onsubmit: async (e) => {
          e.preventDefault();
          const body = { type: type.value, subtype: sub.value, phone: phone.value.trim(), account_no: account.value.trim(),
            address: address.value.trim(), description: desc.value.trim(), urgent: urgent.checked };
          if (conv && conv.id) { body.conversation_id = conv.id; body.customer_id = conv.customer_id; }
          try {
            const wo = await this.c.api('POST', '/api/v1/workorders', body);
            dlg.close();
            toast(c.t('wo.created', { n: wo.number }));
            if (this.hooks.showOrders) this.hooks.showOrders();
            this.tab = 'mine';
            this.render();
            await this.load();
            this.open(wo.id);
          } catch (ex) { err.textContent = ex.fields ? Object.values(ex.fields).join(' ') : ex.message; }
        },
      },
      h('h2', { id: 'no-title' }, c.t(conv ? 'wo.newFromChat' : 'wo.new')),
      conv ? h('p.muted.small', c.t('wo.forCustomer', { who: [cu.name, cu.phone].filter(Boolean).join(' · ') || String(conv.customer_id || '').slice(0, 8) })) : null,
      h('div.grid2',
        h('div', h('label', { for: 'no-type' }, c.t('wo.type')), type),
        h('div', h('label', { for: 'no-subtype' }, c.t('wo.subtype')), sub),
        h('div', h('label', { for: 'no-phone' }, c.t('wo.phone')), phone),
        h('div', h('label', { for: 'no-account' }, c.t('wo.account')), account)),
      h('label', { for: 'no-address' }, c.t('wo.address')), address,
      h('label', { for: 'no-desc' }, c.t('wo.description')), desc,
      h('label.check', { for: 'no-urgent' }, urgent, ' ', c.t('agent.urgent')),
      err,
      h('div.row.end',
        h('button.ghost', { type: 'button', onclick: () => dlg.close() }, c.t('console.cancel')),
        h('button.primary', { type: 'submit', id: 'no-submit' }, c.t('wo.create')))));
    dlg.addEventListener('close', () => dlg.remove());
    document.body.append(dlg);
    dlg.showModal();
    desc.focus();
  }
}
