// The customer's card beside a chat in the agent console: who the customer is
// in the archive (personal data masked, each "show" asked of the server and
// logged there), their accounts, open work orders and ratings, and what they
// typed in chat (phones, account numbers) offered for the agent to confirm —
// nothing is written until the agent saves. The agent may edit the record,
// link the chat to an existing customer found by name, phone or account
// number, or create a record from what the customer said.
import { h, toast, when } from './console.js';
import { attributeLines, contactsSection, recordForm } from './customer-form.js';

/** Cards already loaded, by conversation id: re-rendering does not re-fetch. */
const cards = new Map();

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
  const [cust, orders, convs, sugg, defs] = await Promise.all([
    card.customerID ? c.api('GET', `/api/v1/customers/${id}`).catch(() => null) : null,
    card.customerID ? c.api('GET', `/api/v1/workorders?customer_id=${id}&open=true&limit=20`).catch(() => null) : null,
    card.customerID ? c.api('GET', `/api/v1/customers/${id}/conversations?limit=50`).catch(() => null) : null,
    c.api('GET', `/api/v1/conversations/${enc(card.convID)}/customer-suggestions`).catch(() => null),
    c.api('GET', '/api/v1/customer-attributes').catch(() => null),
  ]);
  card.defs = (defs && defs.attributes) || [];
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
    if (cu) out.push(accounts(c, cu), contactsSection(c, cu, { prefix: 'card-', editable: true }));
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
    organisation(c, cu.organisation, secret),
    attributeLines(card.defs, cu.attributes).map(([k, v]) => field(k, v)));
}

/** organisation is what the card shows of an organisation's own fields. */
function organisation(c, o, secret) {
  if (!o) return null;
  const line = (label, v) => (v ? field(label, String(v)) : null);
  return [line(c.t('archive.nature'), o.nature ? c.t('nature.' + o.nature) : ''), line(c.t('org.location'), o.location),
    line(c.t('org.bank'), o.bank), secret('bank_account', o.bank_account), line(c.t('org.postal_address'), o.postal_address),
    line(c.t('org.opened_on'), o.opened_on), line(c.t('org.registered_capital'), o.registered_capital != null ? '¥' + Number(o.registered_capital).toFixed(2) : ''),
    line(c.t('archive.employees'), o.employees), line(c.t('org.production_scale'), o.production_scale), line(c.t('org.sales_situation'), o.sales_situation)];
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

function editForm(c, card, paint) {
  const cu = card.customer;
  return recordForm(c, cu, card.defs, {
    prefix: 'card-', submit: c.t('card.save'), cancel: () => { card.mode = 'view'; paint(); },
    save: async (next) => {
      card.customer = await c.api('PUT', `/api/v1/customers/${enc(cu.id)}`, next);
      card.mode = 'view';
      card.shown = {};
      toast(c.t('card.saved'), 'ok');
      paint();
    },
  });
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
  return recordForm(c, { kind: 'individual', phone: typed('phone'), relationship: 'current', lang: c.lang }, card.defs, {
    prefix: 'card-', submit: c.t('card.createDo'), hint: c.t('card.createHint'), accountNo: typed('account_no'),
    cancel: () => { card.mode = 'view'; paint(); },
    save: async (rec) => {
      const cu = await c.api('POST', '/api/v1/customers', rec);
      await link(c, card, opts, cu.id);
    },
  });
}
