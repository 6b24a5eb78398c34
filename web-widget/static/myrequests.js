// The widget's "my requests": the customer's open work orders with their status
// and when they are due, a reminder (催办) per order — the server takes one an
// hour and answers 429 otherwise, which is said kindly —, and a note in the
// chat when one of them changes (the server's workorder frame). widget.js
// imports it beside its other modules and hands it the widget object w.

/** myRequests adds the header button and the card to the widget's panel. */
export function myRequests(w, server) {
  const { t, st } = w;
  const { $, panel } = w.dom;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'mine-btn';
  button.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 5h11M9 12h11M9 19h11M4 5h.01M4 12h.01M4 19h.01"/></svg>';
  $('header').insertBefore(button, $('.close'));
  const card = document.createElement('section');
  card.className = 'card mine';
  card.hidden = true;
  card.innerHTML = '<div class="row mine-head"><h3 class="mine-title"></h3><button type="button" class="ghost mine-back"></button></div><ul class="mine-list"></ul><p class="mine-note" role="status"></p>';
  panel.insertBefore(card, $('.scroller'));
  const list = card.querySelector('.mine-list');
  const note = card.querySelector('.mine-note');
  let orders = [];
  // say puts text in the card's note. The list reloads on every frame about the
  // customer's orders — the reminder's own among them, a moment after its answer
  // —, so a reload clears only the "offline" it said itself, never what a click
  // was answered.
  let offline = false;
  const say = (text, isOffline = false) => { note.textContent = text; offline = isOffline; };

  const statusText = (s) => t('wo.status.' + s);
  const dueText = (iso) => new Date(iso).toLocaleString(w.lang === 'zh' ? 'zh-CN' : 'en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

  async function call(method, path) {
    if (!st.token) await w.conn.ensureSession();
    const res = await fetch(server + path, { method, credentials: 'omit', headers: { Authorization: 'Bearer ' + st.token } });
    let body = {};
    try { body = await res.json(); } catch { /* not JSON */ }
    return { res, body };
  }

  async function load() {
    try {
      const { res, body } = await call('GET', '/api/v1/widget/workorders');
      if (!res.ok) throw new Error(String(res.status));
      orders = body.workorders || []; // the server lists the open ones
      if (offline) say('');
    } catch {
      say(t('widget.errOffline'), true);
    }
    render();
  }

  function render() {
    list.textContent = '';
    if (!orders.length) {
      const li = document.createElement('li');
      li.className = 'mine-empty';
      li.textContent = t('widget.noOrders');
      list.append(li);
      return;
    }
    for (const o of orders) {
      const li = document.createElement('li');
      li.className = 'mine-item';
      li.dataset.id = o.id;
      const top = document.createElement('div');
      top.className = 'mine-top';
      const num = document.createElement('strong');
      num.textContent = o.number;
      const status = document.createElement('span');
      status.className = 'pill st-' + o.status;
      status.textContent = statusText(o.status);
      top.append(num, status);
      const what = document.createElement('div');
      what.className = 'mine-what';
      what.textContent = t('wo.type.' + o.type) + (o.next_due ? ' · ' + t('widget.due', { t: dueText(o.next_due) }) : '');
      const remind = document.createElement('button');
      remind.type = 'button';
      remind.className = 'ghost mine-remind';
      remind.textContent = t('widget.remind');
      remind.addEventListener('click', () => sendReminder(o, remind));
      li.append(top, what, remind);
      list.append(li);
    }
  }

  async function sendReminder(o, btn) {
    btn.disabled = true;
    try {
      const { res, body } = await call('POST', '/api/v1/widget/workorders/' + encodeURIComponent(o.id) + '/remind');
      if (res.status === 429) say(t('widget.remindLimited'));
      else if (!res.ok) say((body.error && body.error.message) || t('widget.errGeneric'));
      else {
        say(t('widget.reminded', { n: o.number }));
        Object.assign(o, body);
      }
    } catch {
      say(t('widget.errOffline'), true);
    } finally {
      btn.disabled = false;
    }
  }

  function show() {
    card.hidden = false;
    $('.scroller').hidden = true; // the card takes the conversation's place
    button.setAttribute('aria-expanded', 'true');
    say(''); // what an earlier visit was told is stale now
    load();
  }
  function hide() {
    card.hidden = true;
    $('.scroller').hidden = false;
    button.setAttribute('aria-expanded', 'false');
  }
  button.addEventListener('click', () => (card.hidden ? show() : hide()));
  card.querySelector('.mine-back').addEventListener('click', () => { hide(); w.dom.input.focus(); });

  // A change of one of the customer's orders is said in the chat; the opening
  // and the agent taking it are told otherwise (the chat's own message).
  const quiet = new Set(['create', 'adopt', 'remind']);
  function onFrame(f) {
    const o = f.order || {};
    if (!quiet.has(f.action)) w.log.note(t('widget.orderChanged', { n: o.number, s: statusText(o.status) }));
    if (!card.hidden) load();
  }

  function applyText() {
    button.setAttribute('aria-label', t('widget.myRequests'));
    button.title = t('widget.myRequests');
    card.querySelector('.mine-title').textContent = t('widget.myRequestsTitle');
    card.querySelector('.mine-back').textContent = t('widget.back');
    if (!card.hidden) render();
  }
  return { show, hide, onFrame, applyText };
}
