// The agent console: sign in, set a status, watch the skill queues, take chats,
// talk to customers live over /ws/agent, see each customer's history and the
// knowledge base's suggestions, transfer and resolve. A dropped socket is
// reconnected and every open chat resumed from its last seq, with the REST
// history filling anything the socket missed. The work orders (lists, the
// order page, new orders, the overdue board) are workorders.js's room.
import { Console, h, loginForm, langButton, toast, since, when } from './console.js';
import { WorkOrders } from './workorders.js';
import { Socket, Thread } from './socket.js';
import { renderMarkdown } from './markdown.js';
import { applyText } from './i18n.js';
import { customerCard } from './customer-card.js';

const app = document.getElementById('app');
const c = new Console('agent', () => { if (!S.me) { location.reload(); return; } applyText(document, c.lang); render(); });
const W = new WorkOrders(c, {
  me: () => S.me,
  openChat: (id) => { showView('chats'); select(id); },
  showOrders: () => showView('orders'),
});
W.onAlert = () => renderViewTabs();

// ---- state ---------------------------------------------------------------------
const S = {
  me: null,
  status: localStorage.getItem('gridline.agent.status') || 'online',
  tickets: [],
  seenTickets: new Set(),
  chats: new Map(), // id -> Chat
  current: '',
  claiming: '',
  owned: [],
  consultations: [], // open consultation orders: left messages and call-backs
  view: 'chats', // or 'orders'
  suggestions: [],
  history: [],
  connected: false,
  typing: new Map(), // conversation id -> {name, until}
};

/** Chat is one conversation the console has loaded. */
function chatFor(id) {
  let ch = S.chats.get(id);
  if (!ch) {
    ch = { id, conv: { id }, msgs: [], thread: new Thread(), unread: 0, loaded: false };
    S.chats.set(id, ch);
  }
  return ch;
}
/** customerLabel names a conversation's customer as well as the desk knows them. */
function customerLabel(conv) {
  const cu = conv && conv.customer;
  if (cu && (cu.name || cu.phone)) return [cu.name, cu.phone].filter(Boolean).join(' · ');
  return c.t('agent.customer') + ' ' + String((conv && (conv.customer_id || conv.id)) || '').slice(0, 6);
}
const isMine = (ch) => ch.conv && S.me && ch.conv.handler_id === S.me.id && ch.conv.status !== 'resolved';

// ---- sound and title -----------------------------------------------------------
let audio = null;
document.addEventListener('pointerdown', () => {
  // Browsers only allow sound after a gesture; make the context on the first one.
  if (!audio && window.AudioContext) audio = new AudioContext();
}, { once: true });
function beep() {
  if (!audio) return;
  const o = audio.createOscillator(), g = audio.createGain();
  o.type = 'sine';
  o.frequency.setValueAtTime(880, audio.currentTime);
  o.frequency.setValueAtTime(1175, audio.currentTime + 0.12);
  g.gain.setValueAtTime(0.0001, audio.currentTime);
  g.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + 0.02);
  g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.3);
  o.connect(g).connect(audio.destination);
  o.start();
  o.stop(audio.currentTime + 0.32);
}
const attention = () => document.visibilityState === 'visible' && document.hasFocus();
function badgeCount() {
  let n = S.tickets.filter((tk) => !S.seenTickets.has(tk.conversation_id)).length;
  for (const ch of S.chats.values()) n += ch.unread;
  return n;
}
function updateTitle() {
  const n = badgeCount();
  document.title = (n ? `(${n}) ` : '') + c.t('agent.title');
}
function markSeen() {
  if (!attention()) return;
  for (const tk of S.tickets) S.seenTickets.add(tk.conversation_id);
  const ch = S.chats.get(S.current);
  if (ch) ch.unread = 0;
  updateTitle();
  renderLists();
}
window.addEventListener('focus', markSeen);
document.addEventListener('visibilitychange', markSeen);

// ---- socket --------------------------------------------------------------------
let heartbeat = 0;
const sock = new Socket({
  url: () => location.origin.replace(/^http/, 'ws') + '/ws/agent',
  onFrame,
  onOpen() {
    send({ type: 'status', status: S.status });
    clearInterval(heartbeat);
    heartbeat = setInterval(() => send({ type: 'status', status: S.status }), 10000);
    resumeAll();
  },
  onClose(e) {
    clearInterval(heartbeat);
    setConnected(false);
    if (e.code === 1008 || e.code === 4001) { checkSession(); }
  },
});
const send = (f) => sock.send(f);
function setConnected(ok) {
  S.connected = ok;
  const el = document.getElementById('conn');
  if (el) { el.hidden = ok; el.textContent = c.t('console.offline'); }
  const dot = document.querySelector('.status-dot');
  if (dot) dot.dataset.state = ok ? S.status : 'offline';
}
async function checkSession() {
  // A refused socket after a restart usually means the session expired.
  try { await c.api('GET', '/api/v1/agents'); } catch { /* signedOut handles 401 */ }
}
window.addEventListener('online', () => sock.reconnectNow());

// resumeAll re-subscribes every loaded chat from its last seq, fetches what the
// socket may have missed, and resends unacked replies with their client ids.
function resumeAll() {
  for (const ch of S.chats.values()) {
    if (!ch.loaded || (ch.conv.status === 'resolved' && ch.id !== S.current)) continue;
    send({ type: 'subscribe', conversation_id: ch.id, last_seq: ch.thread.lastSeq });
    fillFrom(ch);
    ch.thread.resend(send);
  }
  refreshLists();
}

function onFrame(f) {
  switch (f.type) {
    case 'welcome':
      if (f.user) { S.me = f.user; }
      setConnected(true);
      break;
    case 'queues': {
      const before = new Set(S.tickets.map((tk) => tk.conversation_id));
      S.tickets = f.tickets || [];
      const fresh = S.tickets.filter((tk) => !before.has(tk.conversation_id) && !S.seenTickets.has(tk.conversation_id));
      if (fresh.length) {
        beep();
        if (attention()) fresh.forEach((tk) => S.seenTickets.add(tk.conversation_id));
        else toast(c.t('agent.newChat'));
      }
      renderLists();
      updateTitle();
      requestsSoon();
      break;
    }
    case 'workorder':
      W.onFrame(f);
      if ((f.order || {}).type === 'consultation' || f.action === 'create') requestsSoon();
      break;
    case 'assigned': {
      const conv = f.conversation || (f.id ? f : {});
      if (!conv.id) break;
      const ch = chatFor(conv.id);
      ch.conv = Object.assign(ch.conv, conv);
      if (ch.id !== S.current && ch.id !== S.claiming) { beep(); toast(c.t('agent.assigned')); }
      loadChat(ch).then(() => { if (!S.current) select(ch.id); renderLists(); });
      renderLists();
      break;
    }
    case 'unsubscribed': {
      // The server stopped sending this chat: it went to someone else.
      const ch = S.chats.get(f.conversation_id);
      if (ch && /yours/.test(f.reason || '')) {
        ch.conv.handler_id = '';
        if (ch.id === S.current) renderChat();
        renderLists();
      }
      break;
    }
    case 'conversation': {
      const conv = f.conversation || (f.id ? f : {});
      if (!conv.id) break;
      const ch = S.chats.get(conv.id);
      if (ch) Object.assign(ch.conv, conv);
      renderLists();
      if (ch && ch.id === S.current) renderChatHeader();
      if (conv.owner_id && S.me && conv.owner_id === S.me.id) loadOwned();
      break;
    }
    case 'message': {
      const ch = S.chats.get(f.conversation_id);
      if (!ch || !ch.loaded) break;
      if (f.seq > ch.thread.lastSeq + 1) fillFrom(ch); // a gap: the store has it
      const added = addMsg(ch, f);
      if (added && f.author && f.author.kind === 'customer') {
        S.typing.delete(ch.id);
        if (ch.id !== S.current || !attention()) { ch.unread++; beep(); }
        if (ch.id === S.current) loadSuggestions(ch.id);
      }
      renderLists();
      updateTitle();
      break;
    }
    case 'ack': {
      const ch = S.chats.get(f.conversation_id);
      if (!ch) break;
      const p = ch.thread.acked(f.client_id);
      if (p) {
        addMsg(ch, { seq: f.seq, conversation_id: ch.id, client_id: f.client_id, text: p.text, author: { kind: 'agent', id: S.me && S.me.id, name: S.me && S.me.name }, created_at: new Date().toISOString() });
      }
      break;
    }
    case 'typing': {
      if (!f.author || f.author.kind !== 'customer') break;
      S.typing.set(f.conversation_id, { until: Date.now() + 6000 });
      if (f.conversation_id === S.current) renderTyping();
      break;
    }
    case 'error': {
      toast(f.message || c.t('console.error'), 'error');
      const ch = f.client_id && S.chats.get(f.conversation_id);
      const p = ch && ch.thread.pending(f.client_id);
      if (!p) break;
      if (f.code === 'rate_limited' || f.code === 'unavailable') {
        // Not taken for now: the same client id goes again shortly.
        setTimeout(() => { if (ch.thread.pending(p.client_id)) send(p); }, 2000);
        break;
      }
      // Refused for good: take it back into the reply box rather than lose it.
      ch.thread.acked(f.client_id);
      renderMessages();
      const input = document.getElementById('reply');
      if (input && ch.id === S.current && !input.value) input.value = p.text;
      break;
    }
  }
}

// ---- chats ---------------------------------------------------------------------
function addMsg(ch, m) {
  if (m.seq && ch.msgs.some((x) => x.seq === m.seq)) return false;
  if (m.client_id) ch.thread.acked(m.client_id);
  ch.msgs.push(m);
  ch.msgs.sort((a, b) => a.seq - b.seq);
  ch.thread.seen(m.seq);
  if (ch.id === S.current) renderMessages(true);
  return true;
}

async function fillFrom(ch) {
  try {
    const msgs = await c.api('GET', `/api/v1/conversations/${encodeURIComponent(ch.id)}/messages?after_seq=${ch.thread.lastSeq}`);
    for (const m of msgs || []) addMsg(ch, m);
  } catch (err) { if (err.status !== 401) toast(err.message, 'error'); }
}

async function loadChat(ch) {
  if (ch.loaded) return;
  try {
    const msgs = await c.api('GET', `/api/v1/conversations/${encodeURIComponent(ch.id)}/messages?after_seq=0`);
    ch.loaded = true;
    for (const m of msgs || []) addMsg(ch, m);
    send({ type: 'subscribe', conversation_id: ch.id, last_seq: ch.thread.lastSeq });
  } catch (err) { toast(err.message, 'error'); }
}

async function refreshConv(ch) {
  try {
    const list = await c.api('GET', `/api/v1/customers/${encodeURIComponent(ch.conv.customer_id)}/conversations`);
    S.history = (list || []).filter((x) => x.id !== ch.id);
    const self = (list || []).find((x) => x.id === ch.id);
    if (self) Object.assign(ch.conv, self);
  } catch { S.history = []; }
}

async function select(id) {
  S.current = id;
  const ch = chatFor(id);
  ch.unread = 0;
  S.suggestions = [];
  S.history = [];
  renderChat();
  renderLists();
  updateTitle();
  await loadChat(ch);
  renderMessages();
  if (ch.conv.customer_id) await refreshConv(ch);
  renderChatHeader();
  renderSide();
  loadSuggestions(id);
}

async function loadSuggestions(id) {
  try {
    S.suggestions = (await c.api('GET', `/api/v1/conversations/${encodeURIComponent(id)}/suggestions`)) || [];
  } catch { S.suggestions = []; }
  if (id === S.current) renderSide();
}

async function claim(id) {
  S.claiming = id; // our own take: its assigned frame needs no alert
  try {
    const conv = await c.api('POST', `/api/v1/conversations/${encodeURIComponent(id)}/claim`);
    const ch = chatFor(id);
    if (conv && conv.id) Object.assign(ch.conv, conv);
    else Object.assign(ch.conv, { status: 'active', handler_id: S.me && S.me.id });
    S.tickets = S.tickets.filter((tk) => tk.conversation_id !== id);
    await select(id);
  } catch (err) {
    toast(err.status === 404 || err.status === 409 ? c.t('agent.claimFailed') : err.message, 'error');
  } finally {
    S.claiming = '';
  }
}

function reply(text) {
  const ch = S.chats.get(S.current);
  if (!ch || !text.trim()) return;
  send(ch.thread.queue({ type: 'message', conversation_id: ch.id, text }));
  renderMessages(true);
}

async function resolve() {
  const ch = S.chats.get(S.current);
  if (!ch || !confirm(c.t('agent.resolveConfirm'))) return;
  try {
    await c.api('POST', `/api/v1/conversations/${encodeURIComponent(ch.id)}/resolve`);
    ch.conv.status = 'resolved';
    renderChat();
    renderLists();
  } catch (err) { toast(err.message, 'error'); }
}

async function refreshLists() {
  await Promise.all([loadMine(), loadOwned(), loadRequests()]);
  if (S.view === 'orders') W.load();
}
async function loadMine() {
  try {
    const list = (await c.api('GET', '/api/v1/conversations?status=active')) || [];
    for (const conv of list) {
      if (!S.me || conv.handler_id !== S.me.id) continue;
      const ch = chatFor(conv.id);
      Object.assign(ch.conv, conv);
      if (!ch.loaded) loadChat(ch).then(renderLists);
    }
  } catch { /* shown by the socket banner */ }
  renderLists();
}
async function loadOwned() {
  try { S.owned = (await c.api('GET', '/api/v1/conversations?owner=me')) || []; } catch { S.owned = []; }
  renderLists();
}
// What customers left for staff (messages, call-backs, handoffs nobody could
// take) are consultation orders now; the panel lists the open ones.
async function loadRequests() {
  try {
    const res = await c.api('GET', '/api/v1/workorders?type=consultation&open=true&limit=50');
    S.consultations = (res && res.workorders) || [];
  } catch { S.consultations = []; }
  renderLists();
}
// A queue change often comes with a left message (a customer who could not
// wait leaves a number), so the list is refreshed shortly after one.
let requestsTimer = 0;
function requestsSoon() {
  clearTimeout(requestsTimer);
  requestsTimer = setTimeout(loadRequests, 1500);
}

// ---- views ---------------------------------------------------------------------
// showView switches between the chats and the work orders; both stay mounted,
// so a chat's state survives a look at the orders.
function showView(v) {
  S.view = v;
  const chats = document.getElementById('chats-view'), orders = document.getElementById('orders-view');
  if (chats) chats.hidden = v !== 'chats';
  if (orders) {
    orders.hidden = v !== 'orders';
    if (v === 'orders' && !orders.firstChild) W.mount(orders);
    else if (v === 'orders') W.load();
  }
  renderViewTabs();
}
function renderViewTabs() {
  const box = document.getElementById('views');
  if (!box) return;
  const n = W.alertCount();
  box.replaceChildren(
    h('button.tab' + (S.view === 'chats' ? '.on' : ''), { type: 'button', id: 'view-chats', 'aria-pressed': String(S.view === 'chats'), onclick: () => showView('chats') }, c.t('agent.viewChats')),
    h('button.tab' + (S.view === 'orders' ? '.on' : ''), { type: 'button', id: 'view-orders', 'aria-pressed': String(S.view === 'orders'), onclick: () => showView('orders') },
      c.t('wo.title'), n ? h('span.count', { 'aria-label': c.t('wo.alerts', { n }) }, String(n)) : null));
}

// ---- transfer ------------------------------------------------------------------
async function openTransfer() {
  const ch = S.chats.get(S.current);
  if (!ch) return;
  let agents = [];
  try { agents = (await c.api('GET', '/api/v1/agents')) || []; } catch (err) { toast(err.message, 'error'); }
  const idOf = (a) => a.id || a.user_id;
  agents = agents.filter((a) => idOf(a) !== (S.me && S.me.id) && (!a.status || a.status === 'online'));
  const note = h('textarea', { id: 'tr-note', rows: 3, maxlength: 1000 });
  const agentSel = h('select', { id: 'tr-agent' }, agents.map((a) => h('option', { value: idOf(a) },
    `${a.name || a.email || idOf(a)}${a.load != null ? ` · ${a.load}/${a.capacity}` : ''}`)));
  const skillSel = h('select', { id: 'tr-skill' }, ['billing', 'repair', 'connection', 'complaint', 'general'].map((s) => h('option', { value: s }, c.t('skill.' + s))));
  const modeAgent = h('input', { type: 'radio', name: 'mode', value: 'agent', id: 'tr-mode-agent', checked: agents.length > 0, disabled: !agents.length });
  const modeSkill = h('input', { type: 'radio', name: 'mode', value: 'skill', id: 'tr-mode-skill', checked: !agents.length });
  const dlg = h('dialog.modal', { 'aria-labelledby': 'tr-title' },
    h('form', {
      method: 'dialog',
      onsubmit: async (e) => {
        e.preventDefault();
        const body = { note: note.value.trim() };
        if (modeAgent.checked) body.to_agent_id = agentSel.value; else body.to_skill = skillSel.value;
        try {
          await c.api('POST', `/api/v1/conversations/${encodeURIComponent(ch.id)}/transfer`, body);
          dlg.close();
          ch.conv.handler_id = body.to_agent_id || '';
          if (body.to_skill) ch.conv.status = 'queued';
          renderChat();
          renderLists();
        } catch (err) { toast(err.message, 'error'); }
      },
    },
    h('h2', { id: 'tr-title' }, c.t('agent.transferTitle')),
    h('div.choice', modeAgent, h('label', { for: 'tr-mode-agent' }, c.t('agent.toAgent'))),
    agents.length ? agentSel : h('p.muted', c.t('agent.noAgents')),
    h('div.choice', modeSkill, h('label', { for: 'tr-mode-skill' }, c.t('agent.toSkill'))),
    skillSel,
    h('label', { for: 'tr-note' }, c.t('agent.note')), note,
    h('div.row.end',
      h('button.ghost', { type: 'button', onclick: () => dlg.close() }, c.t('console.cancel')),
      h('button.primary', { type: 'submit' }, c.t('agent.transferDo')))));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}

// ---- rendering -----------------------------------------------------------------
function render() {
  document.title = c.t('agent.title');
  if (!S.me) return;
  app.removeAttribute('aria-busy');
  app.replaceChildren(
    h('header.topbar',
      h('div.brand', h('span.bolt', { 'aria-hidden': 'true' }, '⚡'), h('span', c.t('agent.title'))),
      h('nav#views.views', { 'aria-label': c.t('agent.views') }),
      h('div#conn.conn-pill', { role: 'status', hidden: S.connected }, c.t('console.offline')),
      h('div.spacer'),
      h('label.status-pick', h('span.status-dot', { dataset: { state: S.connected ? S.status : 'offline' }, 'aria-hidden': 'true' }),
        h('span.sr', c.t('agent.status')),
        h('select', {
          id: 'status', 'aria-label': c.t('agent.status'),
          onchange: (e) => { S.status = e.target.value; localStorage.setItem('gridline.agent.status', S.status); send({ type: 'status', status: S.status }); setConnected(S.connected); },
        }, ['online', 'away', 'offline'].map((s) => h('option', { value: s, selected: s === S.status }, c.t('agent.' + s))))),
      h('span.who', S.me.name || S.me.email),
      langButton(c),
      h('button.ghost', { type: 'button', onclick: async () => { sock.stop(); await c.logout(); location.reload(); } }, c.t('console.logout'))),
    h('div.agent-grid', { id: 'chats-view', hidden: S.view !== 'chats' },
      h('nav.sidebar', { id: 'lists', 'aria-label': c.t('agent.myChats') }),
      h('section.chat', { id: 'chat', 'aria-label': c.t('agent.reply') }),
      h('aside.side', { id: 'side' })),
    h('div.wo-grid', { id: 'orders-view', hidden: S.view !== 'orders' }));
  if (S.view === 'orders') W.mount(document.getElementById('orders-view'));
  renderViewTabs();
  renderLists();
  renderChat();
  updateTitle();
}

function ticketRow(tk) {
  const urgent = tk.urgent || tk.priority >= 10;
  return h('li.ticket' + (urgent ? '.urgent' : ''),
    h('div.ticket-main',
      h('div.ticket-top',
        urgent ? h('span.tag.red', c.t('agent.urgent')) : null,
        h('span.tag', c.t('skill.' + (tk.skill || 'general'))),
        S.me && tk.owner_id === S.me.id ? h('span.tag.gold', c.t('agent.ownerYou')) : null),
      h('div.muted.small', h('span', customerLabel({ customer_id: tk.customer_id })), ' · ',
        h('span.wait', { dataset: { since: tk.enqueued_at } }, c.t('agent.waiting', { t: since(tk.enqueued_at) })))),
    h('button.primary.small', { type: 'button', onclick: () => claim(tk.conversation_id), 'aria-label': c.t('agent.take') + ' ' + c.t('skill.' + (tk.skill || 'general')) }, c.t('agent.take')));
}

function renderLists() {
  const box = document.getElementById('lists');
  if (!box) return;
  const mine = [...S.chats.values()].filter(isMine);
  const chatRow = (ch) => {
    const last = ch.msgs[ch.msgs.length - 1];
    return h('li', h('button.chat-row' + (ch.id === S.current ? '.current' : ''), { type: 'button', onclick: () => select(ch.id), 'aria-current': ch.id === S.current ? 'true' : null },
      h('div.row-top', h('strong.ellipsis', customerLabel(ch.conv)),
        ch.conv.urgent ? h('span.tag.red', c.t('agent.urgent')) : null,
        ch.conv.skill ? h('span.tag', c.t('skill.' + ch.conv.skill)) : null,
        ch.unread ? h('span.count', { 'aria-label': String(ch.unread) }, String(ch.unread)) : null),
      h('div.muted.small.ellipsis', last ? last.text : '…')));
  };
  box.replaceChildren(
    h('section.box',
      h('h2', c.t('agent.queues'), h('span.count.soft', String(S.tickets.length))),
      S.tickets.length ? h('ul.list', S.tickets.map(ticketRow)) : h('p.muted.small', c.t('agent.queueEmpty'))),
    h('section.box',
      h('h2', c.t('agent.myChats'), h('span.count.soft', String(mine.length))),
      mine.length ? h('ul.list', mine.map(chatRow)) : h('p.muted.small', c.t('agent.noChats'))),
    h('section.box',
      h('h2', c.t('agent.owned'), h('span.count.soft', String(S.owned.length))),
      S.owned.length ? h('ul.list', S.owned.slice(0, 30).map((conv) => h('li', h('button.chat-row.flat', { type: 'button', onclick: () => { Object.assign(chatFor(conv.id).conv, conv); select(conv.id); } },
        h('div.row-top', h('span.ellipsis', customerLabel((S.chats.get(conv.id) || {}).conv || conv)), h('span.tag.status-' + conv.status, c.t('conv.' + conv.status))),
        h('div.muted.small', when(c, conv.updated_at || conv.created_at)))))) : h('p.muted.small', c.t('console.empty'))),
    h('section.box',
      h('h2', c.t('agent.requests'), h('span.count.soft', String(S.consultations.length))),
      S.consultations.length ? h('ul.list', S.consultations.map((wo) => h('li.request',
        h('div.req-top', h('span.tag' + (wo.subtype === 'callback' ? '.gold' : ''), c.t('agent.' + (wo.subtype === 'callback' ? 'callback' : wo.subtype === 'message' ? 'message' : 'handoff'))),
          h('span.small', wo.number),
          wo.phone ? h('a.phone', { href: 'tel:' + wo.phone.replace(/[^\d+]/g, '') }, wo.phone) : null),
        h('div.muted.small', when(c, wo.created_at)),
        wo.description ? h('p.small', wo.description) : null,
        h('div.row',
          wo.conversation_id ? h('button.ghost.small', { type: 'button', onclick: () => select(wo.conversation_id) }, c.t('agent.view')) : null,
          h('button.ghost.small', { type: 'button', onclick: () => { showView('orders'); W.open(wo.id); } }, c.t('wo.openOrder')))))) : h('p.muted.small', c.t('agent.noRequests'))));
}

function authorLabel(a) {
  if (!a) return '';
  if (a.kind === 'bot') return a.name || c.t('agent.bot');
  if (a.kind === 'system') return c.t('agent.system');
  if (a.kind === 'agent') return a.name || c.t('widget.agent');
  return c.t('agent.customer');
}

function renderChatHeader() {
  const ch = S.chats.get(S.current);
  const head = document.getElementById('chat-head');
  if (!ch || !head) return;
  const conv = ch.conv;
  const mine = isMine(ch);
  head.replaceChildren(...[
    h('div',
      h('h2', customerLabel(conv),
        conv.status ? h('span.tag.status-' + conv.status, c.t('conv.' + conv.status)) : null,
        conv.urgent ? h('span.tag.red', c.t('agent.urgent')) : null,
        conv.skill ? h('span.tag', c.t('skill.' + conv.skill)) : null),
      h('p.muted.small', conv.created_at ? c.t('agent.opened', { t: when(c, conv.created_at) }) : '',
        conv.owner_id ? ` · ${c.t('agent.owner')}: ${conv.owner_id === (S.me && S.me.id) ? S.me.name : String(conv.owner_id).slice(0, 8)}` : '')),
    h('div.spacer'),
    mine ? h('button.ghost', { type: 'button', onclick: openTransfer }, c.t('agent.transfer')) : null,
    mine ? h('button.primary', { type: 'button', onclick: resolve }, c.t('agent.resolve')) : null,
    h('button.ghost', { type: 'button', id: 'new-order', onclick: () => W.newOrder(conv) }, c.t('wo.newFromChat')),
  ].filter(Boolean));
}

function renderChat() {
  const box = document.getElementById('chat');
  if (!box) return;
  const ch = S.chats.get(S.current);
  if (!ch) { box.replaceChildren(h('div.placeholder', h('div.big', { 'aria-hidden': 'true' }), h('p', c.t('agent.pick')))); renderSide(); return; }
  const mine = isMine(ch);
  const input = h('textarea', {
    id: 'reply', rows: 3, maxlength: 4000, placeholder: c.t('agent.replyPlaceholder'), 'aria-label': c.t('agent.reply'),
    onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); form.requestSubmit(); }
    },
    oninput: () => {
      const now = Date.now();
      if (now - (ch.typingSent || 0) > 3000) { ch.typingSent = now; send({ type: 'typing', conversation_id: ch.id }); }
    },
  });
  const canned = h('select', {
    'aria-label': c.t('agent.canned'),
    onchange: (e) => { if (e.target.value) { insertText(e.target.value); e.target.value = ''; } },
  }, h('option', { value: '' }, c.t('agent.canned') + '…'), c.t('agent.canned.list').map((s) => h('option', { value: s }, s)));
  const form = h('form.reply', {
    onsubmit: (e) => { e.preventDefault(); const v = input.value; input.value = ''; reply(v); input.focus(); },
  }, input, h('div.row', canned, h('div.spacer'), h('button.primary', { type: 'submit' }, c.t('agent.send'))));
  box.replaceChildren(
    h('header.chat-head', { id: 'chat-head' }),
    h('div.messages', { id: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': c.t('agent.reply') }),
    h('div.typing-line', { id: 'typing', 'aria-hidden': 'true' }),
    mine ? form : h('p.readonly', c.t(ch.conv.status === 'resolved' ? 'conv.resolved' : 'agent.readOnly')));
  renderChatHeader();
  renderMessages(true);
  renderSide();
  if (mine) input.focus();
}

function msgNode(m, pending) {
  const kind = (m.author && m.author.kind) || 'customer';
  if (kind === 'system') return h('div.m.system', h('span', m.text));
  const mine = kind === 'agent' && (pending || !m.author.id || (S.me && m.author.id === S.me.id));
  const bubble = h('div.bubble');
  if (kind === 'customer') bubble.textContent = m.text; else bubble.innerHTML = renderMarkdown(m.text);
  return h('div.m.' + kind + (mine ? '.me' : '') + (pending ? '.pending' : ''), { dataset: { seq: m.seq || '' } },
    h('div.by', authorLabel(m.author), h('span.muted', ' · ', pending ? c.t('agent.sending') : when(c, m.created_at))),
    bubble,
    m.citations && m.citations.length ? h('ul.cites', m.citations.map((x) => h('li', x.title || x.slug))) : null);
}

function renderMessages(stick) {
  const box = document.getElementById('messages');
  const ch = S.chats.get(S.current);
  if (!box || !ch) return;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  box.replaceChildren(...ch.msgs.map((m) => msgNode(m)), ...ch.thread.outbox.map((p) => msgNode({ text: p.text, author: { kind: 'agent', name: S.me.name } }, true)));
  if (stick || atBottom) box.scrollTop = box.scrollHeight;
  renderTyping();
}

function renderTyping() {
  const el = document.getElementById('typing');
  if (!el) return;
  const tp = S.typing.get(S.current);
  el.textContent = tp && tp.until > Date.now() ? c.t('agent.typing', { name: c.t('agent.customer') }) : '';
}

function insertText(text) {
  const input = document.getElementById('reply');
  if (!input) return;
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(end);
  input.focus();
  input.selectionStart = input.selectionEnd = start + text.length;
}

function renderSide() {
  const box = document.getElementById('side');
  if (!box) return;
  const ch = S.chats.get(S.current);
  if (!ch) { box.replaceChildren(); return; }
  box.replaceChildren(
    customerCard(c, ch.conv, { mine: isMine(ch), onConv: async (conv) => { Object.assign(ch.conv, conv); await refreshConv(ch); renderChatHeader(); renderLists(); renderSide(); } }),
    h('section.box',
      h('h2', c.t('agent.suggestions')),
      S.suggestions.length ? h('ul.list', S.suggestions.map((s) => h('li.suggestion',
        h('strong', s.title), h('p.small.muted', s.snippet),
        isMine(ch) ? h('button.ghost.small', { type: 'button', onclick: () => insertText(s.snippet), 'aria-label': c.t('agent.insert') + ': ' + s.title }, c.t('agent.insert')) : null))) : h('p.muted.small', c.t('agent.noSuggestions'))),
    h('section.box',
      h('h2', c.t('agent.history')),
      S.history.length ? h('ul.list', S.history.map((conv) => h('li', h('button.chat-row.flat', { type: 'button', onclick: () => { Object.assign(chatFor(conv.id).conv, conv); select(conv.id); } },
        h('div.row-top', h('span', when(c, conv.created_at)), h('span.tag.status-' + conv.status, c.t('conv.' + conv.status))),
        conv.skill ? h('div.muted.small', c.t('skill.' + conv.skill)) : null)))) : h('p.muted.small', c.t('agent.noHistory'))));
}

// The waiting times tick every second without a re-render.
setInterval(() => {
  for (const el of document.querySelectorAll('.wait[data-since]')) el.textContent = c.t('agent.waiting', { t: since(el.dataset.since) });
  renderTyping();
}, 1000);
setInterval(() => { if (S.me) loadRequests(); }, 15000);
// Deadline badges count down: the order list is redrawn every half minute.
setInterval(() => { if (S.view === 'orders') W.renderList(); }, 30000);

// ---- boot ----------------------------------------------------------------------
c.onSignedOut = () => { sock.stop(); S.me = null; start(); };

async function start() {
  applyText(document, c.lang);
  document.title = c.t('agent.title');
  if (c.user && !(await c.refreshUser())) return; // signedOut started over at sign-in
  if (!c.user) {
    app.removeAttribute('aria-busy');
    app.replaceChildren(h('div.login-wrap', h('div.login-top', langButton(c)), h('div#login')));
    // Signing in as away takes no chats until the agent switches to online.
    const away = h('input', { type: 'checkbox', id: 'login-away', checked: S.status === 'away' });
    await loginForm(c, document.getElementById('login'), undefined,
      [h('label.check', { for: 'login-away' }, away, ' ', c.t('agent.startAway'))]);
    S.status = away.checked ? 'away' : 'online';
    localStorage.setItem('gridline.agent.status', S.status);
  }
  S.me = c.user;
  render();
  sock.start();
  refreshLists();
}
start();
