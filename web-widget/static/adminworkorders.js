// The admin pages' work-order settings: the policy table (each type's service
// clocks, in wall-clock minutes or working days, per area or supply class where
// the table has them) and the working-day calendar, one year at a time
// (holidays and make-up working days). admin.js shows it as a tab.
import { h, toast } from './console.js';

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
    for (const tp of this.policy.types || []) {
      const name = c.t('wo.type.' + tp.type) + (tp.subtype ? ' · ' + c.t('wo.sub.' + tp.subtype) : '');
      (tp.deadlines || []).forEach((r, i) => {
        const label = name + ' — ' + c.t('wo.deadline.' + r.kind);
        const classes = Object.entries(r.by_supply || r.by_area || {});
        rows.push(h('tr',
          h('td', i === 0 ? h('strong', name) : null),
          h('td', i === 0 ? h('input', { type: 'checkbox', checked: !!tp.on_site, 'aria-label': name + ' — ' + c.t('admin.onSite'), onchange: (e) => { tp.on_site = e.target.checked; } }) : null),
          h('td', i === 0 ? h('input', { type: 'checkbox', checked: !!tp.follow_up, 'aria-label': name + ' — ' + c.t('wo.followUp'), onchange: (e) => { tp.follow_up = e.target.checked; } }) : null),
          h('td', c.t('wo.deadline.' + r.kind)),
          h('td', this.spanInput(r, set(r), label)),
          h('td', classes.map(([k, sp]) => h('div.small', h('span.muted', (r.by_supply ? c.t('admin.supply.' + k) : c.t('wo.areaClass.' + k)) + ' '),
            this.spanInput(sp, set(sp), label + ' — ' + k))))));
      });
    }
    const err = h('p.form-error', { role: 'alert' });
    return h('section.box',
      h('h2', c.t('admin.policy')),
      h('p.muted.small', c.t('admin.policyHelp')),
      h('table.policy-table',
        h('thead', h('tr', ['wo.type', 'admin.onSite', 'wo.followUp', 'wo.deadlines', 'admin.default', 'admin.byClass'].map((k) => h('th', c.t(k))))),
        h('tbody', rows)),
      err,
      this.isAdmin() ? h('div.row.end', h('button.primary', { type: 'button', id: 'policy-save', onclick: async () => {
        err.textContent = '';
        try {
          this.policy = await c.api('PUT', '/api/v1/workorder-policy', this.policy);
          toast(c.t('admin.policySaved'));
          this.rerender();
        } catch (e) { err.textContent = e.fields ? Object.values(e.fields).join(' ') : e.message; }
      } }, c.t('admin.policySave'))) : null);
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
