// The customer's card beside a chat in the agent console: who the customer is
// in the archive (personal data masked, each "show" asked of the server and
// logged there), their accounts, open work orders and ratings, and what they
// typed in chat (phones, account numbers) offered for the agent to confirm —
// nothing is written until the agent saves. The agent may edit the record,
// link the chat to an existing customer found by name, phone or account
// number, or create a record from what the customer said.
import { h, toast, when } from './console.js';

/** Cards already loaded, by conversation id: re-rendering does not re-fetch. */
const cards = new Map();

const SEGMENTS = ['', 'resident', 'intermediary', 'large'];
const RELATIONSHIPS = ['', 'potential', 'current', 'former'];

const enc = encodeURIComponent;

/**
 * customerCard is the card for conv as an element; it fills itself in.
 * @param {import('./console.js').Console} c the console's session
 * @param {object} conv the conversation (id, customer_id, customer?)
 * @param {{mine: boolean, onConv: (conv: object) => void}} opts mine: the agent
 *   may change the chat (link, create); onConv is told of the conversation
 *   after a link, so the console shows the new customer.
 */
export function customerCard(c, conv, opts) {
  let card = cards.get(conv.id);
  if (!card || card.customerID !== conv.customer_id) {
    card = { convID: conv.id, customerID: conv.customer_id, mode: 'view', loading: true, shown: {} };
    cards.set(conv.id, card);
    load(c, card).then(() => paint());
  }
  const box = h('section.box.card', { id: 'customer-card', 'aria-label': c.t('card.title') });
  const paint = () => {
    const el = document.getElementById('customer-card') || box;
    el.replaceChildren(...body(c, card, opts, paint));
  };
  box.replaceChildren(...body(c, card, opts, paint));
  return box;
}

/** load fetches the record, its work orders and conversations, and the suggestions. */
async function load(c, card) {
  card.loading = true;
  const id = enc(card.customerID || '');
  const [cust, orders, convs, sugg] = await Promise.all([
    card.customerID ? c.api('GET', `/api/v1/customers/${id}`).catch(() => null) : null,
    card.customerID ? c.api('GET', `/api/v1/workorders?customer_id=${id}&open=true&limit=20`).catch(() => null) : null,
    card.customerID ? c.api('GET', `/api/v1/customers/${id}/conversations?limit=50`).catch(() => null) : null,
    c.api('GET', `/api/v1/conversations/${enc(card.convID)}/customer-suggestions`).catch(() => null),
  ]);
  card.customer = cust;
  card.orders = (orders && orders.workorders) || [];
  card.convs = (convs || []).filter((x) => x.id !== card.convID);
  card.suggestions = (sugg && sugg.suggestions) || [];
  card.loading = false;
}

/** known reports whether the record says anything of who the customer is. */
const known = (cu) => cu && (cu.name || cu.phone || cu.identifier || (cu.accounts || []).length);

function body(c, card, opts, paint) {
  const head = h('h2', c.t('card.title'));
  if (card.loading) return [head, h('p.muted.small', c.t('console.loading'))];
  const cu = card.customer;
  const out = [head];
  if (card.mode === 'edit' && cu) out.push(editForm(c, card, paint));
  else if (card.mode === 'link') out.push(linkForm(c, card, opts, paint));
  else if (card.mode === 'create') out.push(createForm(c, card, opts, paint));
  else {
    out.push(known(cu) ? profile(c, card, paint) : h('p.muted.small.card-unknown', c.t('card.unknown')));
    if (cu) out.push(accounts(c, cu));
    out.push(suggestions(c, card, opts, paint));
    out.push(ordersList(c, card), ratings(c, card));
    out.push(h('div.row.card-actions',
      cu ? h('button.ghost.small', { type: 'button', id: 'card-edit', onclick: () => { card.mode = 'edit'; paint(); } }, c.t('card.edit')) : null,
      opts.mine ? h('button.ghost.small', { type: 'button', id: 'card-link', onclick: () => { card.mode = 'link'; paint(); } }, c.t('card.link')) : null,
      opts.mine ? h('button.ghost.small', { type: 'button', id: 'card-create', onclick: () => { card.mode = 'create'; paint(); } }, c.t('card.create')) : null));
  }
  return out;
}

/** field is one label/value line of the profile. */
const field = (label, ...value) => h('div.card-field', h('span.k', label), h('span.v', ...value));

function profile(c, card, paint) {
  const cu = card.customer;
  const secret = (name, value) => {
    if (!value) return null;
    const shown = card.shown[name];
    return field(c.t('card.' + name), h('span.secret', shown || value), shown ? null : h('button.link.small', {
      type: 'button', 'data-reveal': name, 'aria-label': c.t('card.show') + ' ' + c.t('card.' + name),
      onclick: async () => {
        try {
          const r = await c.api('POST', `/api/v1/customers/${enc(cu.id)}/reveal`, { field: name });
          card.shown[name] = (r.values || []).join(', ');
          toast(c.t('card.revealLogged'), 'info');
          paint();
        } catch (err) { toast(err.message, 'error'); }
      },
    }, c.t('card.show')));
  };
  return h('div.card-profile',
    h('div.card-name', h('strong', cu.name || c.t('card.noName')),
      cu.segment ? h('span.tag', c.t('segment.' + cu.segment)) : null,
      cu.relationship ? h('span.tag.gold', c.t('relationship.' + cu.relationship)) : null,
      cu.identifier ? h('span.tag.soft', { title: cu.identifier }, c.t('card.signedIn')) : null),
    secret('phone', cu.phone),
    cu.email ? field(c.t('card.email'), cu.email) : null,
    cu.address ? field(c.t('card.address'), cu.address) : null,
    secret('id_number', cu.id_number),
    Object.entries(cu.attributes || {}).map(([k, v]) => field(k, v)));
}

function accounts(c, cu) {
  const list = cu.accounts || [];
  return h('div.card-section', h('h3', c.t('card.accounts'), h('span.count.soft', String(list.length))),
    list.length ? h('ul.list.card-accounts', list.map((a) => h('li',
      h('div.row-top', h('strong', a.account_no), h('span.tag' + (a.status === 'active' ? '' : '.red'), c.t('account.' + (a.status || 'active')))),
      h('div.muted.small', [a.area_class ? c.t('area.' + a.area_class) : '', a.tariff, a.address].filter(Boolean).join(' · ')),
      a.balance != null || a.arrears != null ? h('div.small', a.balance != null ? c.t('card.balance', { n: Number(a.balance).toFixed(2) }) : '',
        a.arrears ? ' · ' + c.t('card.arrears', { n: Number(a.arrears).toFixed(2) }) : '') : null))) : h('p.muted.small', c.t('card.noAccounts')));
}

function suggestions(c, card, opts, paint) {
  if (!card.suggestions.length) return null;
  return h('div.card-section.card-suggestions', h('h3', c.t('card.typed')),
    h('ul.list', card.suggestions.map((s) => h('li.row',
      h('span.tag.soft', c.t('card.' + s.field)), h('span', s.value), h('div.spacer'),
      s.customer_id && s.customer_id !== card.customerID && opts.mine
        ? h('button.ghost.small', { type: 'button', onclick: () => link(c, card, opts, s.customer_id) }, c.t('card.linkThis')) : null))),
    h('p.muted.small', c.t('card.typedHint')));
}

function ordersList(c, card) {
  return h('div.card-section', h('h3', c.t('card.orders'), h('span.count.soft', String(card.orders.length))),
    card.orders.length ? h('ul.list', card.orders.map((o) => h('li',
      h('div.row-top', h('strong', o.number), h('span.tag', c.t('card.status.' + o.status))),
      h('div.muted.small.ellipsis', c.t('card.type.' + o.type), ' · ', o.description || '')))) : h('p.muted.small', c.t('card.noOrders')));
}

function ratings(c, card) {
  const rated = card.convs.filter((x) => x.rating > 0);
  const avg = rated.length ? rated.reduce((s, x) => s + x.rating, 0) / rated.length : 0;
  return h('div.card-section', h('h3', c.t('card.ratings')),
    h('p.small', c.t('card.earlier', { n: card.convs.length }),
      rated.length ? ' · ' + c.t('card.avgRating', { n: avg.toFixed(1), m: rated.length }) : ''),
    rated.length ? h('ul.list.card-ratings', rated.slice(0, 5).map((x) => h('li.small',
      h('span.stars', { 'aria-label': c.t('card.stars', { n: x.rating }) }, '★'.repeat(x.rating) + '☆'.repeat(5 - x.rating)), ' ', h('span.muted', when(c, x.created_at))))) : null);
}

/** input is a labelled control of a form. */
function input(label, name, value, attrs = {}) {
  const id = 'card-' + name;
  return h('label.card-input', { for: id }, h('span', label), h('input', { id, name, value: value || '', ...attrs }));
}
function choice(c, label, name, value, options, prefix) {
  const id = 'card-' + name;
  return h('label.card-input', { for: id }, h('span', label), h('select', { id, name },
    options.map((o) => h('option', { value: o, selected: o === (value || '') }, o ? c.t(prefix + o) : '—'))));
}

/** recordFields are the profile inputs of the edit and create forms. */
function recordFields(c, v) {
  return [
    input(c.t('card.name'), 'name', v.name, { maxlength: 200 }),
    input(c.t('card.phone'), 'phone', v.phone, { maxlength: 40, inputmode: 'tel' }),
    input(c.t('card.email'), 'email', v.email, { type: 'email', maxlength: 254 }),
    input(c.t('card.address'), 'address', v.address, { maxlength: 500 }),
    choice(c, c.t('card.segment'), 'segment', v.segment, SEGMENTS, 'segment.'),
    choice(c, c.t('card.relationship'), 'relationship', v.relationship, RELATIONSHIPS, 'relationship.'),
    input(c.t('card.addAccount'), 'account_no', v.account_no, { maxlength: 32, inputmode: 'numeric' }),
  ];
}

/** errorsInto shows a 400's field problems beside the form. */
function showError(box, err) {
  const fields = err.fields ? Object.entries(err.fields).map(([k, m]) => `${k}: ${m}`).join('; ') : '';
  box.textContent = fields ? `${err.message} (${fields})` : err.message;
}

/** accountInput is an account as the API takes it back. */
const accountInput = (a) => ({ account_no: a.account_no, address: a.address, area_class: a.area_class, tariff: a.tariff,
  meter_no: a.meter_no, status: a.status, phone: a.phone });

function readForm(form) {
  const v = Object.fromEntries(new FormData(form).entries());
  for (const k of Object.keys(v)) v[k] = String(v[k]).trim();
  return v;
}

function editForm(c, card, paint) {
  const cu = card.customer;
  const err = h('p.form-error', { role: 'alert' });
  const form = h('form.card-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const v = readForm(form);
      const accs = (cu.accounts || []).map(accountInput);
      if (v.account_no) accs.push({ account_no: v.account_no, status: 'active' });
      const next = { kind: cu.kind, name: v.name, phone: v.phone, phones: cu.phones, email: v.email, address: v.address,
        lang: cu.lang, income_band: cu.income_band, id_number: cu.id_number, identifier: cu.identifier, segment: v.segment,
        relationship: v.relationship, organisation: cu.organisation, contact_of: cu.contact_of, attributes: cu.attributes || {}, accounts: accs };
      try {
        card.customer = await c.api('PUT', `/api/v1/customers/${enc(cu.id)}`, next);
        card.mode = 'view';
        card.shown = {};
        toast(c.t('card.saved'), 'ok');
        paint();
      } catch (ex) { showError(err, ex); }
    },
  }, recordFields(c, { ...cu, account_no: '' }), err,
  h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => { card.mode = 'view'; paint(); } }, c.t('console.cancel')),
    h('button.primary.small', { type: 'submit' }, c.t('card.save'))));
  return form;
}

async function link(c, card, opts, customerID) {
  try {
    const conv = await c.api('POST', `/api/v1/conversations/${enc(card.convID)}/customer`, { customer_id: customerID });
    cards.delete(card.convID);
    toast(c.t('card.linked'), 'ok');
    opts.onConv(conv);
  } catch (err) { toast(err.message, 'error'); }
}

function linkForm(c, card, opts, paint) {
  const results = h('ul.list.card-results', { 'aria-live': 'polite' });
  const q = h('input', { type: 'search', id: 'card-search', maxlength: 100, placeholder: c.t('card.searchHint'), 'aria-label': c.t('card.search'), value: card.query || '' });
  const search = async () => {
    card.query = q.value.trim();
    if (!card.query) { results.replaceChildren(); return; }
    try {
      const r = await c.api('GET', `/api/v1/customers?q=${enc(card.query)}&limit=10`);
      const list = (r && r.customers) || [];
      results.replaceChildren(...(list.length ? list.map((cu) => h('li.row',
        h('div', h('strong', cu.name || c.t('card.noName')), h('div.muted.small', [cu.phone, ...(cu.accounts || []).map((a) => a.account_no)].filter(Boolean).join(' · '))),
        h('div.spacer'),
        h('button.primary.small', { type: 'button', onclick: () => link(c, card, opts, cu.id) }, c.t('card.linkThis')))) : [h('li.muted.small', c.t('card.noMatch'))]));
    } catch (err) { toast(err.message, 'error'); }
  };
  let timer = 0;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  if (card.query) setTimeout(search, 0);
  setTimeout(() => q.focus(), 0);
  return h('div.card-form', q, results,
    h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => { card.mode = 'view'; paint(); } }, c.t('console.cancel'))));
}

function createForm(c, card, opts, paint) {
  const typed = (f) => (card.suggestions.find((s) => s.field === f) || {}).value || '';
  const err = h('p.form-error', { role: 'alert' });
  const form = h('form.card-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const v = readForm(form);
      const rec = { kind: 'individual', name: v.name, phone: v.phone, email: v.email, address: v.address, segment: v.segment,
        relationship: v.relationship, lang: c.lang, accounts: v.account_no ? [{ account_no: v.account_no, status: 'active' }] : [] };
      try {
        const cu = await c.api('POST', '/api/v1/customers', rec);
        await link(c, card, opts, cu.id);
      } catch (ex) { showError(err, ex); }
    },
  }, h('p.muted.small', c.t('card.createHint')),
  recordFields(c, { phone: typed('phone'), account_no: typed('account_no'), relationship: 'current' }), err,
  h('div.row.end', h('button.ghost.small', { type: 'button', onclick: () => { card.mode = 'view'; paint(); } }, c.t('console.cancel')),
    h('button.primary.small', { type: 'submit' }, c.t('card.createDo'))));
  return form;
}
