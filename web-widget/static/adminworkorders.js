// The admin pages' work-order settings: the policy table (each type's service
// clocks, in wall-clock minutes or working days, per area or supply class where
// the table has them) and the working-day calendar, one year at a time
// (holidays and make-up working days). admin.js shows it as a tab.
import { h, toast } from './console.js';

/** KINDS are the deadline kinds, as the policy names them. */
const KINDS = ['on_site', 'restore', 'reconnect', 'contact', 'answer'];
/** USUAL_FROM is where each kind's clock usually starts. */
const USUAL_FROM = { on_site: 'accepted', restore: 'arrival', reconnect: 'payment', contact: 'accepted', answer: 'accepted' };

/** WorkOrderSettings loads, draws and saves the policy and the calendar. */
export class WorkOrderSettings {
  constructor(c, rerender, isAdmin) {
    this.c = c;
    this.rerender = rerender;
    this.isAdmin = isAdmin;
    this.policy = null;
    this.calendar = null;
    this.year = String(new Date().getFullYear());
  }

  async load() {
    const [p, cal] = await Promise.all([this.c.api('GET', '/api/v1/workorder-policy'), this.c.api('GET', '/api/v1/calendar')]);
    this.policy = p;
    this.calendar = cal || { years: {} };
  }

  page() {
    const c = this.c;
    if (!this.policy) return h('p.muted', c.t('console.loading'));
    return h('div.wo-settings', this.calendarBox(), this.policyBox());
  }

  spanInput(span, onChange, label) {
    const unit = span.working_days ? 'working_days' : 'minutes';
    const num = h('input', { type: 'number', min: 1, value: String(span.working_days || span.minutes || ''), 'aria-label': label,
      onchange: () => onChange(sel.value, Number(num.value)) });
    const sel = h('select', { 'aria-label': label, onchange: () => onChange(sel.value, Number(num.value)) },
      h('option', { value: 'minutes', selected: unit === 'minutes' }, this.c.t('wo.minutes', { n: '' }).trim()),
      h('option', { value: 'working_days', selected: unit === 'working_days' }, this.c.t('admin.workingDays')));
    return h('span.span-input', num, ' ', sel);
  }

  policyBox() {
    const c = this.c;
    const set = (obj) => (unit, n) => {
      delete obj.minutes; delete obj.working_days;
      if (n > 0) obj[unit] = n;
    };
    const rows = [];
    (this.policy.types || []).forEach((tp, ti) => {
      const name = c.t('wo.type.' + tp.type) + (tp.subtype ? ' · ' + c.t('wo.sub.' + tp.subtype) : '');
      tp.deadlines = tp.deadlines || [];
      const head = (first) => [
        h('td', first ? h('strong', name) : null),
        h('td', first ? h('input', { type: 'checkbox', checked: !!tp.on_site, 'aria-label': name + ' — ' + c.t('admin.onSite'), onchange: (e) => { tp.on_site = e.target.checked; } }) : null),
        h('td', first ? h('input', { type: 'checkbox', checked: !!tp.follow_up, 'aria-label': name + ' — ' + c.t('wo.followUp'), onchange: (e) => { tp.follow_up = e.target.checked; } }) : null)];
      tp.deadlines.forEach((r, i) => {
        const label = name + ' — ' + c.t('wo.deadline.' + r.kind);
        const classes = Object.entries(r.by_supply || r.by_area || {});
        rows.push(h('tr', { dataset: { type: ti, kind: r.kind } },
          head(i === 0),
          h('td', c.t('wo.deadline.' + r.kind), h('div.muted.small', c.t('admin.from.' + r.from))),
          h('td', this.spanInput(r, set(r), label)),
          h('td', classes.map(([k, sp]) => h('div.small', h('span.muted', (r.by_supply ? c.t('admin.supply.' + k) : c.t('wo.areaClass.' + k)) + ' '),
            this.spanInput(sp, set(sp), label + ' — ' + k)))),
          h('td', this.isAdmin() ? h('button.ghost.small.rule-remove', { type: 'button', 'aria-label': c.t('admin.removeRule') + ': ' + label,
            onclick: () => { tp.deadlines.splice(i, 1); this.rerender(); } }, c.t('admin.removeRule')) : null)));
      });
      if (!tp.deadlines.length) rows.push(h('tr', { dataset: { type: ti } }, head(true), h('td.muted', { colspan: 4 }, c.t('admin.noRules'))));
      if (this.isAdmin()) rows.push(this.addRuleRow(tp, ti, name));
    });
    const err = h('p.form-error', { id: 'policy-error', role: 'alert' });
    return h('section.box',
      h('h2', c.t('admin.policy')),
      h('p.muted.small', c.t('admin.policyHelp')),
      h('table.policy-table',
        h('thead', h('tr', ['wo.type', 'admin.onSite', 'wo.followUp', 'wo.deadlines', 'admin.default', 'admin.byClass'].map((k) => h('th', c.t(k))),
          h('th', h('span.sr', c.t('admin.removeRule'))))),
        h('tbody', rows)),
      err,
      this.isAdmin() ? h('div.row.end', h('button.primary', { type: 'button', id: 'policy-save', onclick: async () => {
        err.textContent = '';
        try {
          this.policy = await c.api('PUT', '/api/v1/workorder-policy', this.policy);
          toast(c.t('admin.policySaved'));
          this.rerender();
        } catch (e) {
          err.textContent = e.fields ? this.fieldErrors(e.fields) : e.message;
          err.scrollIntoView({ block: 'center' }); // the table is long; the complaint is below it
        }
      } }, c.t('admin.policySave'))) : null);
  }

  /**
   * addRuleRow offers the promises a type does not make yet: the kind, the
   * point its clock runs from (the usual one for the kind, changeable) and its
   * length. The server says whether the type can keep it (an on-site promise
   * needs the on-site step).
   */
  addRuleRow(tp, ti, name) {
    const c = this.c;
    // Without an on-site step, the crew's promises come last: the server
    // refuses them then.
    const needsCrew = (k) => !tp.on_site && (k === 'on_site' || USUAL_FROM[k] === 'arrival');
    const unused = KINDS.filter((k) => !tp.deadlines.some((r) => r.kind === k))
      .sort((a, b) => Number(needsCrew(a)) - Number(needsCrew(b)));
    if (!unused.length) return null;
    const kind = h('select.rule-kind', { 'aria-label': name + ' — ' + c.t('admin.ruleKind'), onchange: () => { from.value = USUAL_FROM[kind.value]; } },
      unused.map((k) => h('option', { value: k }, c.t('wo.deadline.' + k))));
    const from = h('select.rule-from', { 'aria-label': name + ' — ' + c.t('admin.ruleFrom') },
      ['accepted', 'arrival', 'payment'].map((f) => h('option', { value: f }, c.t('admin.from.' + f))));
    from.value = USUAL_FROM[kind.value];
    const span = { working_days: 1 };
    return h('tr.rule-add', { dataset: { type: ti } },
      h('td', { colspan: 3 }, h('span.muted.small', c.t('admin.addRuleTo', { t: name }))),
      h('td', kind, ' ', from),
      h('td', this.spanInput(span, (unit, n) => { delete span.minutes; delete span.working_days; if (n > 0) span[unit] = n; }, name + ' — ' + c.t('admin.ruleSpan'))),
      h('td'),
      h('td', h('button.small.rule-add-btn', { type: 'button', onclick: () => {
        tp.deadlines.push(Object.assign({ kind: kind.value, from: from.value }, span));
        this.rerender();
      } }, c.t('admin.addRule'))));
  }

  /** fieldErrors writes the server's complaints with the type and promise each is about. */
  fieldErrors(fields) {
    const c = this.c;
    return Object.entries(fields).map(([k, msg]) => {
      const m = /^types\[(\d+)\](?:\.deadlines\[(\d+)\])?/.exec(k);
      const tp = m && (this.policy.types || [])[Number(m[1])];
      if (!tp) return msg;
      const r = m[2] !== undefined ? (tp.deadlines || [])[Number(m[2])] : null;
      const name = c.t('wo.type.' + tp.type) + (tp.subtype ? ' · ' + c.t('wo.sub.' + tp.subtype) : '');
      return name + (r ? ' — ' + c.t('wo.deadline.' + r.kind) : '') + ': ' + msg;
    }).join(' ');
  }

  calendarBox() {
    const c = this.c;
    const yr = (this.calendar.years || {})[this.year] || { holidays: [], workdays: [] };
    const year = h('input', { id: 'cal-year', type: 'number', min: 2000, max: 2100, value: this.year,
      onchange: (e) => { this.year = String(e.target.value); this.rerender(); } });
    const hol = h('textarea', { id: 'cal-holidays', rows: 8, value: (yr.holidays || []).join('\n') });
    const work = h('textarea', { id: 'cal-workdays', rows: 8, value: (yr.workdays || []).join('\n') });
    const err = h('p.form-error', { role: 'alert' });
    const lines = (t) => t.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    return h('section.box',
      h('h2', c.t('admin.calendar')),
      h('p.muted.small', c.t('admin.calendarHelp')),
      h('div.cal-form',
        h('div', h('label', { for: 'cal-year' }, c.t('admin.year')), year),
        h('div', h('label', { for: 'cal-holidays' }, c.t('admin.holidays')), hol),
        h('div', h('label', { for: 'cal-workdays' }, c.t('admin.workdays')), work)),
      err,
      this.isAdmin() ? h('div.row.end', h('button.primary', { type: 'button', id: 'calendar-save', onclick: async () => {
        err.textContent = '';
        try {
          this.calendar = await c.api('PUT', '/api/v1/calendar', { years: { [this.year]: { holidays: lines(hol), workdays: lines(work) } } });
          toast(c.t('admin.calendarSaved', { y: this.year }));
          this.rerender();
        } catch (e) { err.textContent = e.fields ? Object.values(e.fields).join(' ') : e.message; }
      } }, c.t('admin.calendarSave'))) : null);
  }
}
