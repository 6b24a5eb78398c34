// The service dashboard in /admin (admins and supervisors): a date range with
// day or hour buckets, the figures of GET /api/v1/analytics beside the previous
// period of the same length, and charts drawn by Apache ECharts (vendored by
// scripts/vendor.sh, loaded only when the tab opens). Every figure's tooltip
// states its definition. "Export CSV" downloads the same report as CSV.
import { h } from './console.js';

let echartsModule = null;
const loadECharts = () => (echartsModule ||= import('./vendor/echarts/echarts.esm.min.js'));

// The figure tiles: the report's key, how its value reads, whether more is better.
const TILES = [
  ['conversations', 'n', true],
  ['bot_containment', 'pct', true],
  ['handoff_rate', 'pct', false],
  ['avg_wait_seconds', 'sec', false],
  ['avg_rating', 'stars', true],
  ['ratings', 'n', true],
  ['orders_opened', 'n', null],
  ['orders_closed', 'n', true],
  ['orders_overdue', 'n', false],
];


/** Dashboard is the tab's state; page() draws it, load() asks the server. */
export class Dashboard {
  constructor(c, rerender) {
    this.c = c;
    this.rerender = rerender;
    // Empty until the first report: the server picks the last seven days of
    // the utility's calendar, and the fields show them.
    this.to = '';
    this.from = '';
    this.bucket = 'day';
    this.report = null;
    this.reasons = [];
    this.error = '';
    this.charts = [];
  }

  // query names whole days: the server reads them in the utility's time zone,
  // the last one included.
  query() {
    return (this.from ? `from=${this.from}&` : '') + (this.to ? `to=${this.to}&` : '') + `bucket=${this.bucket}`;
  }

  async load() {
    try {
      this.error = '';
      const [report, reasons] = await Promise.all([
        this.c.api('GET', '/api/v1/analytics?' + this.query()),
        this.c.api('GET', '/api/v1/rating-reasons'),
      ]);
      this.report = report;
      // The window's days as the utility's calendar names them (en-CA writes ISO dates).
      const day = (iso) => new Intl.DateTimeFormat('en-CA', { timeZone: report.time_zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
      this.from = day(report.from);
      this.to = day(new Date(new Date(report.to).getTime() - 1).toISOString());
      this.reasons = (reasons && reasons.reasons) || [];
    } catch (err) {
      this.error = String(err.message || err);
    }
    this.rerender();
  }

  async exportCSV() {
    const headers = { Accept: 'text/csv' };
    if (this.c.session && this.c.session.token) headers.Authorization = 'Bearer ' + this.c.session.token;
    const res = await fetch('/api/v1/analytics?' + this.query(), { headers, credentials: 'same-origin' });
    if (!res.ok) { this.error = 'HTTP ' + res.status; this.rerender(); return; }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: `gridline-${this.from}-${this.to}-${this.bucket}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  fmt(kind, v) {
    const t = (k, vars) => this.c.t(k, vars);
    v = Number(v) || 0;
    if (kind === 'pct') return `${Math.round(v * 1000) / 10}%`;
    if (kind === 'sec') return t('admin.seconds', { n: Math.round(v) });
    if (kind === 'stars') return v ? v.toFixed(2) + ' / 5' : '—';
    return String(v);
  }

  tile([key, kind, up]) {
    const t = (k, vars) => this.c.t(k, vars);
    const cur = this.report.current[key] ?? 0;
    const prev = this.report.previous[key] ?? 0;
    const delta = cur - prev;
    let cls = 'flat';
    if (delta && up !== null) cls = (delta > 0) === up ? 'good' : 'bad';
    const sign = delta > 0 ? '▲' : delta < 0 ? '▼' : '＝';
    return h('div.stat.dash-tile', { title: t('dash.def.' + key), tabindex: '0', dataset: { key } },
      h('div.k', t('dash.fig.' + key)),
      h('div.v', this.fmt(kind, cur)),
      h('div.dash-prev.' + cls, `${sign} ${t('dash.previous')}: ${this.fmt(kind, prev)}`));
  }

  page() {
    const t = (k, vars) => this.c.t(k, vars);
    const field = (label, input) => h('label.dash-field', h('span', label), input);
    const controls = h('form.toolbar.dash-controls', {
      onsubmit: (e) => { e.preventDefault(); this.load(); },
    },
    field(t('dash.from'), h('input', { type: 'date', name: 'from', value: this.from, max: this.to, onchange: (e) => { this.from = e.target.value; } })),
    field(t('dash.to'), h('input', { type: 'date', name: 'to', value: this.to, onchange: (e) => { this.to = e.target.value; } })),
    field(t('dash.bucket'), h('select', { name: 'bucket', onchange: (e) => { this.bucket = e.target.value; } },
      ['day', 'hour'].map((b) => h('option', { value: b, selected: this.bucket === b }, t('dash.bucket.' + b))))),
    h('button.primary.small', { type: 'submit' }, t('dash.apply')),
    h('div.spacer'),
    h('button.ghost.small.dash-csv', { type: 'button', onclick: () => this.exportCSV() }, t('dash.csv')));
    const parts = [controls];
    if (this.error) parts.push(h('p.error', { role: 'alert' }, this.error));
    if (!this.report) {
      parts.push(h('p.muted', t('console.loading')));
      return h('div.dash', parts);
    }
    const r = this.report;
    parts.push(h('p.muted.dash-window', t('dash.window', { zone: r.time_zone })));
    parts.push(h('div.stats.dash-tiles', TILES.map((x) => this.tile(x))));
    const chart = (id, key) => h('section.dash-panel', h('h3', { title: t('dash.def.chart.' + key) }, t('dash.chart.' + key)), h('div.dash-chart', { id }));
    parts.push(h('div.dash-grid',
      chart('dash-volume', 'volume'), chart('dash-rates', 'rates'),
      chart('dash-ratings', 'ratings'), chart('dash-reasons', 'reasons'), chart('dash-orders', 'orders')));
    const root = h('div.dash', parts);
    requestAnimationFrame(() => this.draw());
    return root;
  }

  async draw() {
    const echarts = await loadECharts();
    for (const ch of this.charts) ch.dispose();
    this.charts = [];
    const r = this.report;
    if (!r || !document.getElementById('dash-volume')) return;
    const t = (k, vars) => this.c.t(k, vars);
    const locale = this.c.lang === 'zh' ? 'ZH' : 'EN';
    const x = r.buckets.map((b) => (this.bucket === 'hour' ? b.start.slice(5).replace('T', ' ') + ':00' : b.start.slice(5)));
    const base = { animation: false, grid: { left: 48, right: 16, top: 36, bottom: 28 }, tooltip: { trigger: 'axis' }, legend: { top: 0 } };
    const make = (id, option) => {
      const el = document.getElementById(id);
      const ch = echarts.init(el, null, { locale, renderer: 'canvas' });
      ch.setOption({ ...base, ...option });
      this.charts.push(ch);
    };
    make('dash-volume', {
      xAxis: { type: 'category', data: x }, yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('dash.fig.conversations'), type: 'bar', data: r.buckets.map((b) => b.conversations), itemStyle: { color: '#0f766e' } },
        { name: t('dash.fig.handoffs'), type: 'bar', data: r.buckets.map((b) => b.handoffs), itemStyle: { color: '#f59e0b' } },
      ],
    });
    make('dash-rates', {
      xAxis: { type: 'category', data: x }, yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      tooltip: { trigger: 'axis', valueFormatter: (v) => v + '%' },
      series: [
        { name: t('dash.fig.bot_containment'), type: 'line', data: r.buckets.map((b) => Math.round(b.bot_containment * 1000) / 10), itemStyle: { color: '#0f766e' } },
        { name: t('dash.fig.handoff_rate'), type: 'line', data: r.buckets.map((b) => Math.round(b.handoff_rate * 1000) / 10), itemStyle: { color: '#f59e0b' } },
      ],
    });
    make('dash-ratings', {
      legend: { show: false },
      xAxis: { type: 'category', data: ['★1', '★2', '★3', '★4', '★5'] }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: t('dash.fig.ratings'), type: 'bar', data: r.current.distribution.map((n, i) => ({ value: n, itemStyle: { color: i < 2 ? '#dc2626' : i === 2 ? '#f59e0b' : '#16a34a' } })) }],
    });
    const label = (code) => { const x = this.reasons.find((rs) => rs.code === code); return x ? x[this.c.lang] || x.en : code; };
    const reasons = r.current.reasons.slice().reverse();
    make('dash-reasons', {
      legend: { show: false }, grid: { left: 110, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: reasons.map((x) => label(x.code)) },
      series: [{ name: t('dash.chart.reasons'), type: 'bar', data: reasons.map((x) => x.count), itemStyle: { color: '#dc2626' } }],
      graphic: reasons.length ? [] : [{ type: 'text', left: 'center', top: 'middle', style: { text: t('dash.none'), fill: '#94a3b8', fontSize: 14 } }],
    });
    make('dash-orders', {
      xAxis: { type: 'category', data: x }, yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('dash.fig.orders_opened'), type: 'bar', data: r.buckets.map((b) => b.orders_opened), itemStyle: { color: '#2563eb' } },
        { name: t('dash.fig.orders_closed'), type: 'bar', data: r.buckets.map((b) => b.orders_closed), itemStyle: { color: '#16a34a' } },
      ],
    });
  }
}
