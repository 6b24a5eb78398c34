// One archive record's edit form and its contact people, shared by the agent's
// customer card and the admin's record so that both edit the same fields the
// same way: the profile; for an organisation its nature, location, bank and
// account (shown masked to agents: a mask sent back unchanged keeps the
// stored number, the server sees to it), postal address, opening date,
// registered capital, employees, production scale and sales situation; and
// the utility's custom attributes, each with an input of its type (text,
// number, date, a list's options). contactsSection lists an organisation's
// contact people and links or unlinks a person found by search.
import { h, toast } from './console.js';

const SEGMENTS = ['', 'resident', 'intermediary', 'large'];
const RELATIONSHIPS = ['', 'potential', 'current', 'former'];
const NATURES = ['', 'enterprise', 'institution', 'government', 'other'];
const ORG_TEXT = [['location', 200], ['bank', 100], ['postal_address', 500], ['production_scale', 200], ['sales_situation', 200]];

const enc = encodeURIComponent;

/** input is a labelled control; ids are prefixed so that two forms never share one. */
function input(p, label, name, value, attrs = {}) {
  const id = p + name;
  return h('label.card-input', { for: id }, h('span', label), h('input', { id, name, value: value == null ? '' : String(value), ...attrs }));
}
function choice(p, label, name, value, options, text) {
  const id = p + name;
  return h('label.card-input', { for: id }, h('span', label), h('select', { id, name },
    options.map((o) => h('option', { value: o, selected: o === (value || '') }, o ? text(o) : '—'))));
}

/** attributeInput is the control for one custom attribute, by its type. */
function attributeInput(p, d, value) {
  const name = 'attr.' + d.key;
  const label = d.label || d.key;
  switch (d.type) {
    case 'number': return input(p, label, name, value, { type: 'number', step: 'any', 'data-attr-type': 'number' });
    case 'date': return input(p, label, name, value, { type: 'date', 'data-attr-type': 'date' });
    case 'list': return choice(p, label, name, value, ['', ...(d.options || [])], (o) => o);
    default: return input(p, label, name, value, { maxlength: 1000, 'data-attr-type': 'text' });
  }
}

/** attributeText is a stored value as shown: a list's or text's as it is, a label from its definition. */
export function attributeLines(defs, attrs) {
  const byKey = new Map((defs || []).map((d) => [d.key, d]));
  return Object.entries(attrs || {}).filter(([, v]) => v !== '').map(([k, v]) => [(byKey.get(k) || {}).label || k, v]);
}

/**
 * recordForm is a <form> editing cu (a record, or {} for a new one). On
 * submit it calls save(body) with the record as PUT/POST take it; a 400's
 * field problems are shown in the form.
 * @param {object} c the console
 * @param {object} cu the record as the server gave it
 * @param {object[]} defs the custom attribute definitions
 * @param {{prefix: string, save: (body: object) => Promise<void>, cancel: () => void, submit: string, accountNo?: string, hint?: string}} o
 */
export function recordForm(c, cu, defs, o) {
  const p = o.prefix;
  const org = cu.kind === 'organisation';
  const og = cu.organisation || {};
  const err = h('p.form-error', { role: 'alert' });
  const fields = [
    o.hint ? h('p.muted.small', o.hint) : null,
    input(p, c.t('card.name'), 'name', cu.name, { maxlength: 200 }),
    input(p, c.t('card.phone'), 'phone', cu.phone, { maxlength: 40, inputmode: 'tel' }),
    input(p, c.t('card.email'), 'email', cu.email, { type: 'email', maxlength: 254 }),
    input(p, c.t('card.address'), 'address', cu.address, { maxlength: 500 }),
    choice(p, c.t('card.segment'), 'segment', cu.segment, SEGMENTS, (s) => c.t('segment.' + s)),
    choice(p, c.t('card.relationship'), 'relationship', cu.relationship, RELATIONSHIPS, (s) => c.t('relationship.' + s)),
    input(p, c.t('card.addAccount'), 'account_no', o.accountNo || '', { maxlength: 32, inputmode: 'numeric' }),
  ];
  if (org) {
    fields.push(h('fieldset.card-fieldset.org-fields', h('legend', c.t('kind.organisation')),
      choice(p, c.t('archive.nature'), 'org.nature', og.nature, NATURES, (n) => c.t('nature.' + n)),
      ORG_TEXT.slice(0, 2).map(([k, n]) => input(p, c.t('org.' + k), 'org.' + k, og[k], { maxlength: n })),
      input(p, c.t('org.bank_account'), 'org.bank_account', og.bank_account, { maxlength: 40, inputmode: 'numeric', title: c.t('org.maskedHint') }),
      ORG_TEXT.slice(2).map(([k, n]) => input(p, c.t('org.' + k), 'org.' + k, og[k], { maxlength: n })),
      input(p, c.t('org.opened_on'), 'org.opened_on', og.opened_on, { type: 'date' }),
      input(p, c.t('org.registered_capital'), 'org.registered_capital', og.registered_capital, { type: 'number', min: 0, step: '0.01' }),
      input(p, c.t('archive.employees'), 'org.employees', og.employees || '', { type: 'number', min: 0, step: 1 })));
  }
  if ((defs || []).length) {
    fields.push(h('fieldset.card-fieldset.attr-fields', h('legend', c.t('archive.view.attributes')),
      defs.map((d) => attributeInput(p, d, (cu.attributes || {})[d.key]))));
  }
  const form = h('form.card-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await o.save(readRecord(form, cu, defs));
      } catch (ex) { showError(err, ex); }
    },
  }, fields, err,
  h('div.row.end', h('button.ghost.small', { type: 'button', onclick: o.cancel }, c.t('console.cancel')),
    h('button.primary.small', { type: 'submit' }, o.submit)));
  return form;
}

/** showError shows a 400's field problems beside the form. */
function showError(box, err) {
  const fields = err.fields ? Object.entries(err.fields).map(([k, m]) => `${k}: ${m}`).join('; ') : '';
  box.textContent = fields ? `${err.message} (${fields})` : err.message;
}

/** accountBody is an account as the API takes it back (billing figures are the server's to keep). */
const accountBody = (a) => ({ account_no: a.account_no, address: a.address, area_class: a.area_class, tariff: a.tariff,
  meter_no: a.meter_no, status: a.status, phone: a.phone });

/** readRecord is the form's record as the API takes it: what the form does not show is sent back as it was. */
function readRecord(form, cu, defs) {
  const v = Object.fromEntries([...new FormData(form).entries()].map(([k, x]) => [k, String(x).trim()]));
  const accounts = (cu.accounts || []).map(accountBody);
  if (v.account_no) accounts.push({ account_no: v.account_no, status: 'active' });
  const attributes = {};
  for (const d of defs || []) if (v['attr.' + d.key]) attributes[d.key] = v['attr.' + d.key];
  let organisation = cu.organisation || null;
  if (cu.kind === 'organisation') {
    organisation = { nature: v['org.nature'], bank_account: v['org.bank_account'], opened_on: v['org.opened_on'],
      employees: v['org.employees'] ? Number(v['org.employees']) : 0,
      registered_capital: v['org.registered_capital'] ? v['org.registered_capital'] : null };
    for (const [k] of ORG_TEXT) organisation[k] = v['org.' + k];
  }
  return { kind: cu.kind || 'individual', name: v.name, phone: v.phone, phones: cu.phones, email: v.email, address: v.address,
    lang: cu.lang, income_band: cu.income_band, id_number: cu.id_number, identifier: cu.identifier, segment: v.segment,
    relationship: v.relationship, organisation, contact_of: cu.contact_of, attributes, accounts };
}

/**
 * contactsSection is an organisation's contact people (people linked to it),
 * each openable, with a search to link another and a button to unlink; for
 * a person who is one, the organisation they belong to. It fills itself in.
 * @param {{prefix: string, open?: (id: string) => void, editable: boolean}} o
 */
export function contactsSection(c, cu, o) {
  const box = h('div.card-section.contacts', { id: o.prefix + 'contacts' });
  const openBtn = (x) => (o.open ? h('button.link.small', { type: 'button', onclick: () => o.open(x.id) }, x.name || c.t('card.noName')) : h('span', x.name || c.t('card.noName')));
  if (cu.kind !== 'organisation') {
    if (!cu.contact_of) return null;
    box.append(h('h3', c.t('contacts.of')), h('p.small.muted', c.t('console.loading')));
    c.api('GET', `/api/v1/customers/${enc(cu.contact_of)}`).then((org) => {
      box.replaceChildren(h('h3', c.t('contacts.of')), h('p.small', openBtn(org)));
    }).catch(() => box.replaceChildren());
    return box;
  }
  const paint = async () => {
    let list = [];
    try { list = ((await c.api('GET', `/api/v1/customers/${enc(cu.id)}/contacts`)) || {}).customers || []; } catch (err) { toast(err.message, 'error'); }
    const results = h('ul.list.card-results', { 'aria-live': 'polite' });
    let timer = 0;
    const q = o.editable ? h('input', {
      type: 'search', id: o.prefix + 'contact-search', maxlength: 100, placeholder: c.t('contacts.searchHint'), 'aria-label': c.t('contacts.add'),
      oninput: (e) => {
        clearTimeout(timer);
        const query = e.target.value.trim();
        timer = setTimeout(async () => {
          if (!query) { results.replaceChildren(); return; }
          try {
            const found = (((await c.api('GET', `/api/v1/customers?q=${enc(query)}&limit=10`)) || {}).customers || [])
              .filter((x) => x.kind !== 'organisation' && x.contact_of !== cu.id);
            results.replaceChildren(...(found.length ? found.map((x) => h('li.row',
              h('div', h('strong', x.name || c.t('card.noName')), h('div.muted.small', [x.phone, ...(x.accounts || []).map((a) => a.account_no)].filter(Boolean).join(' · '))),
              h('div.spacer'),
              h('button.primary.small', { type: 'button', onclick: () => link(x.id) }, c.t('card.linkThis')))) : [h('li.muted.small', c.t('card.noMatch'))]));
          } catch (err) { toast(err.message, 'error'); }
        }, 250);
      },
    }) : null;
    box.replaceChildren(h('h3', c.t('contacts.title'), h('span.count.soft', String(list.length))),
      list.length ? h('ul.list.contact-list', list.map((x) => h('li.row',
        openBtn(x), h('span.muted.small', x.phone || ''), h('div.spacer'),
        o.editable ? h('button.ghost.small', { type: 'button', 'aria-label': c.t('contacts.unlink') + ' ' + (x.name || ''), onclick: () => unlink(x.id) }, c.t('contacts.unlink')) : null)))
        : h('p.muted.small', c.t('contacts.none')),
      q, results);
  };
  const link = async (id) => {
    try {
      await c.api('POST', `/api/v1/customers/${enc(cu.id)}/contacts`, { customer_id: id });
      toast(c.t('contacts.linked'), 'ok');
    } catch (err) { toast(err.message, 'error'); }
    paint();
  };
  const unlink = async (id) => {
    try { await c.api('DELETE', `/api/v1/customers/${enc(cu.id)}/contacts/${enc(id)}`); } catch (err) { toast(err.message, 'error'); }
    paint();
  };
  box.append(h('h3', c.t('contacts.title')), h('p.small.muted', c.t('console.loading')));
  paint();
  return box;
}
