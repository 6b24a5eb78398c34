// Gridline chat widget: the one tag a utility pastes into its site,
//   <script src="https://host/widget.js" async></script>
// It learns its server from its own src (or data-server), draws a launcher and a
// chat panel inside a Shadow DOM so the host page's CSS cannot reach it, and
// talks to /ws/chat. Nothing the customer typed is lost: unsent messages wait in
// a localStorage outbox and are resent with the same client_id until acked, and
// a reconnect resumes from the last seq seen.
//
// This is a classic script (a site pastes a plain <script> tag), so the shared
// text table, the markdown renderer and the socket arrive by dynamic import(),
// and the style sheet by fetch — all from the widget's own server, which sends
// them with CORS so that they load on any site.
//
// start wires the parts; each part is a function of the shared widget object w
// (its language, state, DOM and the other parts) and returns what the others
// may call: messageLog draws the conversation, launcherPanel opens and closes
// it, connection keeps the session, socket and outbox, frameHandler acts on
// what the server sends, and composerBox, offerCard and ratingCard are the forms.
(() => {
  'use strict';
  if (window.GridlineWidget) return; // pasted twice: one widget is enough

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const server = ((script && script.dataset.server) || (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, '');
  const fixedLang = script && script.dataset.lang;
  // A customer logged in on the host site: the host's server signs their id
  // (identifier_hash = hex HMAC-SHA256 of it under GRIDLINE_IDENTITY_SECRET)
  // and the page passes both on the script tag (data-identifier,
  // data-identifier-hash) or in window.gridlineSettings before this script.
  const settings = window.gridlineSettings || {};
  const identity = {
    identifier: String((script && script.dataset.identifier) || settings.identifier || ''),
    identifier_hash: String((script && script.dataset.identifierHash) || settings.identifier_hash || settings.identifierHash || ''),
  };

  const api = { open() { pendingOpen = true; }, close() {}, setLang() {} };
  let pendingOpen = false;
  window.GridlineWidget = api;

  const MAX_KEPT = 200;

  // The style sheet is fetched with the modules and drawn with the first frame:
  // a <link> in the shadow root would show the launcher unstyled until it loads.
  const css = fetch(server + '/static/widget.css', { credentials: 'omit' })
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error('widget.css: HTTP ' + r.status))));
  Promise.all([import(server + '/static/i18n.js'), import(server + '/static/markdown.js'), import(server + '/static/socket.js'), css,
    import(server + '/static/myrequests.js'), import(server + '/static/feedback.js')])
    .then(([i18n, md, socket, css, mine, fb]) => start(i18n, md, socket, css, mine, fb))
    .catch((err) => console.error('Gridline widget: cannot load its modules from ' + server, err));

  function start(i18n, md, socket, css, mine, fb) {
    const w = { i18n, md, socket, lang: i18n.pickLang(fixedLang || navigator.language || '') };
    w.t = (key, vars) => i18n.translate(w.lang, key, vars);
    Object.assign(w, loadState(socket));
    w.dom = buildDOM(css);
    w.log = messageLog(w);
    w.panel = launcherPanel(w);
    w.conn = connection(w);
    w.frames = frameHandler(w);
    composerBox(w);
    w.offer = offerCard(w);
    w.rating = ratingCard(w);
    w.mine = mine.myRequests(w, server); // "my requests": the customer's open work orders
    w.feedback = fb.feedbackForm(w, server); // an opinion, suggestion or praise at any time

    w.log.restore();
    applyText(w);
    api.open = w.panel.open;
    api.close = w.panel.close;
    api.setLang = (l) => { w.lang = i18n.pickLang(l); applyText(w); };
    window.addEventListener('gridline:lang', (e) => api.setLang(e.detail));
    // A returning visitor reconnects at once (their unread replies show on the
    // badge); a new visitor gets a session only when they open the panel.
    if (w.st.token || w.thread.outbox.length) w.conn.connect();
    if (pendingOpen) w.panel.open();
  }

  // ---- persisted state ---------------------------------------------------------
  // loadState reads the visitor's state from localStorage: token and conv
  // identify the conversation; lastSeq is the seq of the last message frame
  // received; msgs is a display cache; outbox holds frames not yet acked.
  function loadState(socket) {
    const storeKey = 'gridline.widget:' + server;
    let st = { token: '', conv: '', lastSeq: 0, msgs: [], outbox: [], rated: {}, status: '' };
    try {
      const raw = localStorage.getItem(storeKey);
      if (raw) st = Object.assign(st, JSON.parse(raw));
    } catch { /* private mode or corrupt: start fresh */ }
    if ((st.identifier || '') !== identity.identifier) {
      // Another person (or nobody) is logged in on the host now: nothing of
      // the last one's chat stays in this browser.
      st = { token: '', conv: '', lastSeq: 0, msgs: [], outbox: [], rated: {}, status: '' };
    }
    st.identifier = identity.identifier;
    const thread = new socket.Thread(st); // keeps st.lastSeq and st.outbox
    const save = () => {
      st.msgs = st.msgs.slice(-MAX_KEPT);
      try { localStorage.setItem(storeKey, JSON.stringify(st)); } catch { /* quota: keep going in memory */ }
    };
    return { st, thread, save };
  }

  // ---- DOM ---------------------------------------------------------------------
  // buildDOM draws the widget into the page. A custom element name matches no
  // site's div/section rules, and an inline !important reset beats even a site's
  // !important ones, so nothing is inherited into the shadow tree from the page.
  // Both styles go through the CSSOM (style.cssText, a constructed sheet), which
  // a strict Content-Security-Policy allows, where a style attribute or a
  // <style> element would need 'unsafe-inline' - on our pages and on a host
  // site's strict one alike.
  function buildDOM(css) {
    const host = document.createElement('gridline-widget');
    host.setAttribute('data-gridline-widget', '');
    host.style.cssText = 'all: initial !important; display: block !important; position: static !important; width: 0 !important; height: 0 !important;';
    const root = host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = MARKUP;
    (document.body || document.documentElement).appendChild(host);
    const $ = (sel) => root.querySelector(sel);
    return {
      host, root, $,
      launcher: $('.launcher'), panel: $('.panel'), badge: $('.badge'),
      logEl: $('.log'), scroller: $('.scroller'), streamEl: $('.stream'), typingEl: $('.typing'),
      connEl: $('.conn'), bannerEl: $('.banner'),
      composer: $('.composer'), input: $('#gl-input'),
      offerForm: $('.offer'), ratingForm: $('.rating'),
    };
  }

  const MARKUP = `<button class="launcher" type="button" aria-expanded="false" aria-controls="gl-panel">
  <svg viewBox="0 0 24 24" aria-hidden="true" class="ic-chat"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>
  <svg viewBox="0 0 24 24" aria-hidden="true" class="ic-close"><path d="M6 6l12 12M18 6L6 18"/></svg>
  <span class="badge" hidden></span>
</button>
<section class="panel" id="gl-panel" role="dialog" aria-labelledby="gl-title" hidden>
  <header>
    <div class="logo" aria-hidden="true"><svg viewBox="0 0 24 24"><path d="M13 2L4 14h7l-1 8 9-12h-7z"/></svg></div>
    <div class="head"><h2 id="gl-title"></h2><p class="sub"><span class="dot"></span><span class="sub-text"></span></p></div>
    <button class="close" type="button"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg></button>
  </header>
  <div class="conn" role="status" hidden></div>
  <div class="banner" role="status" hidden></div>
  <div class="scroller">
    <div class="log" role="log" aria-live="polite" aria-relevant="additions"></div>
    <div class="msg bot stream" aria-hidden="true" hidden><div class="who"></div><div class="bubble"></div></div>
    <div class="typing" aria-hidden="true" hidden><span class="dots"><i></i><i></i><i></i></span><span class="typing-text"></span></div>
  </div>
  <form class="card offer" hidden novalidate>
    <h3 class="offer-title"></h3>
    <div class="kinds" role="radiogroup"></div>
    <label class="phone-row"><span class="lbl-phone"></span><input name="phone" type="tel" autocomplete="tel" maxlength="32"></label>
    <label><span class="lbl-text"></span><textarea name="text" rows="3" maxlength="2000"></textarea></label>
    <p class="form-error" role="alert"></p>
    <div class="row"><button type="submit" class="primary offer-send"></button><button type="button" class="ghost offer-cancel"></button></div>
  </form>
  <form class="card rating" hidden>
    <h3 class="rating-title"></h3>
    <div class="stars" role="radiogroup"></div>
    <fieldset class="reasons" hidden><legend class="reasons-title"></legend><div class="reason-list"></div></fieldset>
    <label><span class="sr lbl-comment"></span><textarea name="comment" rows="2" maxlength="1000"></textarea></label>
    <div class="row"><button type="submit" class="primary rating-send" disabled></button><button type="button" class="ghost rating-skip"></button></div>
  </form>
  <form class="composer">
    <label class="sr" for="gl-input"></label>
    <textarea id="gl-input" rows="1" maxlength="4000" enterkeyhint="send"></textarea>
    <button type="submit" class="send"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 11l18-8-8 18-2-8z"/></svg></button>
  </form>
  <div class="foot"></div>
</section>`;

  // ---- text --------------------------------------------------------------------
  // applyText puts every word in the widget's language, including those inside
  // bubbles already shown.
  function applyText(w) {
    const { t } = w;
    const { host, $, input, logEl, ratingForm } = w.dom;
    host.lang = w.lang === 'zh' ? 'zh-CN' : 'en';
    $('#gl-title').textContent = t('widget.title');
    $('.sub-text').textContent = t('widget.subtitle');
    $('.close').setAttribute('aria-label', t('widget.close'));
    $('label[for="gl-input"]').textContent = t('widget.inputLabel');
    input.placeholder = t('widget.placeholder');
    $('.send').setAttribute('aria-label', t('widget.send'));
    logEl.setAttribute('aria-label', t('widget.logLabel'));
    $('.foot').textContent = t('widget.footer');
    $('.offer-title').textContent = t('widget.offerTitle');
    $('.lbl-phone').textContent = t('widget.phone');
    $('.lbl-text').textContent = t('widget.offerText');
    $('.offer-send').textContent = t('widget.offerSend');
    $('.offer-cancel').textContent = t('widget.cancel');
    $('.rating-title').textContent = t('widget.ratingTitle');
    $('.lbl-comment').textContent = t('widget.ratingComment');
    ratingForm.comment.placeholder = t('widget.ratingComment');
    $('.rating-send').textContent = t('widget.ratingSend');
    $('.rating-skip').textContent = t('widget.ratingSkip');
    $('.stars').setAttribute('aria-label', t('widget.ratingTitle'));
    w.rating.renderStars();
    w.offer.renderKinds();
    w.mine.applyText();
    w.feedback.applyText();
    w.panel.update();
    w.conn.setConn(w.conn.connected);
    w.frames.renderBanner();
    w.log.rerender();
  }

  // ---- messages ----------------------------------------------------------------
  // messageLog draws st.msgs in the log, one element per message, in seq order.
  function messageLog(w) {
    const { t, st, md } = w;
    const { logEl, scroller } = w.dom;
    const nodes = new Map(); // key -> element in the log
    const keyOf = (m) => (m.seq ? 's' + m.seq : 'c' + m.client_id);
    const fmtTime = (iso) => {
      const d = iso ? new Date(iso) : new Date();
      return isNaN(d) ? '' : d.toLocaleTimeString(w.lang === 'zh' ? 'zh-CN' : 'en', { hour: '2-digit', minute: '2-digit' });
    };

    function authorName(a) {
      if (!a) return '';
      if (a.kind === 'bot') return a.name || t('widget.botName');
      if (a.kind === 'agent') return a.name || t('widget.agent');
      if (a.kind === 'system') return '';
      return t('widget.you');
    }

    function renderMsg(m) {
      const kind = (m.author && m.author.kind) || 'customer';
      const el = document.createElement('div');
      el.className = 'msg ' + kind + (m.pending ? ' pending' : '');
      el.dataset.key = keyOf(m);
      if (m.seq) el.dataset.seq = m.seq;
      if (kind === 'system') {
        el.innerHTML = '<div class="note"></div>';
        el.firstChild.textContent = m.text;
        return el;
      }
      const who = document.createElement('div');
      who.className = 'who';
      who.textContent = authorName(m.author);
      const bubble = document.createElement('div');
      bubble.className = 'bubble';
      if (kind === 'customer') bubble.textContent = m.text;
      else bubble.innerHTML = md.renderMarkdown(m.text || '');
      el.append(who, bubble);
      if (m.citations && m.citations.length) {
        const cites = document.createElement('ul');
        cites.className = 'cites';
        cites.setAttribute('aria-label', t('widget.sources'));
        for (const c of m.citations) {
          const li = document.createElement('li');
          li.textContent = c.title || c.slug;
          li.title = c.slug || '';
          cites.append(li);
        }
        el.append(cites);
      }
      if (m.quick_replies && m.quick_replies.length) {
        const qr = document.createElement('div');
        qr.className = 'quick';
        qr.setAttribute('role', 'group');
        qr.setAttribute('aria-label', t('widget.quickReplies'));
        for (const q of m.quick_replies) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = q.label;
          b.dataset.option = q.id;
          qr.append(b);
        }
        el.append(qr);
      }
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = m.pending ? t('widget.sending') : fmtTime(m.created_at);
      el.append(meta);
      return el;
    }

    // place inserts el ordered by seq; unsent messages stay at the end in typing
    // order, and the widget's own notes stay where they were said.
    function place(el, m) {
      if (m.seq) {
        for (const other of logEl.children) {
          const s = Number(other.dataset.seq || 0);
          if (other.classList.contains('pending') || s > m.seq) { logEl.insertBefore(el, other); return; }
        }
      }
      logEl.append(el);
    }

    function refreshQuickReplies() {
      // Only the newest message's buttons are live; older menus are history.
      const all = logEl.querySelectorAll('.msg');
      const last = all[all.length - 1];
      for (const b of logEl.querySelectorAll('.quick button')) b.disabled = !last || !last.contains(b);
    }

    function addMessage(m, { persist = true } = {}) {
      let idx = -1;
      if (m.seq) idx = st.msgs.findIndex((x) => x.seq === m.seq);
      if (idx >= 0) return false; // a replay of something we have
      if (m.client_id) idx = st.msgs.findIndex((x) => x.client_id === m.client_id && (!x.seq || x.seq === m.seq));
      let el;
      if (idx >= 0) {
        const old = st.msgs[idx];
        const oldEl = nodes.get(keyOf(old));
        nodes.delete(keyOf(old));
        st.msgs[idx] = Object.assign({}, old, m, { pending: false });
        el = renderMsg(st.msgs[idx]);
        if (oldEl) oldEl.remove();
        m = st.msgs[idx];
      } else {
        st.msgs.push(m);
        el = renderMsg(m);
      }
      nodes.set(keyOf(m), el);
      place(el, m);
      refreshQuickReplies();
      if (persist) w.save();
      scrollDown();
      return true;
    }

    function scrollDown() {
      requestAnimationFrame(() => { scroller.scrollTop = scroller.scrollHeight; });
    }

    function systemNote(text) {
      const el = document.createElement('div');
      el.className = 'msg system local';
      el.innerHTML = '<div class="note"></div>';
      el.firstChild.textContent = text;
      const firstPending = logEl.querySelector('.pending');
      if (firstPending) logEl.insertBefore(el, firstPending); else logEl.append(el);
      scrollDown();
    }

    // rerender draws every shown message again: authors and status words change
    // with the language.
    function rerender() {
      for (const m of st.msgs) {
        const el = nodes.get(keyOf(m));
        if (!el) continue;
        const fresh = renderMsg(m);
        el.replaceWith(fresh);
        nodes.set(keyOf(m), fresh);
      }
      refreshQuickReplies();
    }

    // restore draws the messages kept from the last visit.
    function restore() {
      for (const m of st.msgs) {
        const el = renderMsg(m);
        nodes.set(keyOf(m), el);
        place(el, m);
        w.frames.learnBotName(m.author);
      }
      refreshQuickReplies();
    }

    // clear empties the log for another conversation.
    function clear() {
      nodes.clear();
      logEl.textContent = '';
    }

    // acked turns the customer's "sending…" line into the stored message seq.
    function acked(clientID, seq) {
      const m = st.msgs.find((x) => x.client_id === clientID);
      if (m && m.pending) {
        const el = nodes.get(keyOf(m));
        nodes.delete(keyOf(m));
        if (st.msgs.some((x) => x.seq === seq && x !== m)) {
          // The echo arrived first; drop the duplicate placeholder.
          st.msgs = st.msgs.filter((x) => x !== m);
          if (el) el.remove();
        } else {
          m.seq = seq; m.pending = false;
          const fresh = renderMsg(m);
          nodes.set(keyOf(m), fresh);
          if (el) el.remove();
          place(fresh, m);
        }
        refreshQuickReplies();
      }
    }

    // failed marks a line the server will never take as not sent.
    function failed(clientID) {
      const m = st.msgs.find((x) => x.client_id === clientID && x.pending);
      if (m) {
        st.msgs = st.msgs.filter((x) => x !== m);
        const el = nodes.get(keyOf(m));
        nodes.delete(keyOf(m));
        if (el) { el.classList.add('failed'); el.querySelector('.meta').textContent = t('widget.notSent'); }
      }
    }

    return { authorName, add: addMessage, note: systemNote, scrollDown, rerender, restore, clear, acked, failed };
  }

  // ---- launcher and panel ------------------------------------------------------
  // launcherPanel opens and closes the chat and counts replies while it is closed.
  function launcherPanel(w) {
    const { t } = w;
    const { $, launcher, panel, badge, input } = w.dom;
    let unread = 0;
    function update() {
      const open = !panel.hidden;
      launcher.setAttribute('aria-expanded', String(open));
      launcher.classList.toggle('open', open);
      launcher.setAttribute('aria-label', (open ? t('widget.close') : t('widget.open')) + (unread ? ' — ' + t('widget.unread', { n: unread }) : ''));
      badge.hidden = !unread || open;
      badge.textContent = unread > 9 ? '9+' : String(unread);
    }
    function open() {
      panel.hidden = false;
      unread = 0;
      update();
      w.conn.connect();
      w.log.scrollDown();
      setTimeout(() => input.focus(), 0);
    }
    function close() {
      panel.hidden = true;
      update();
      launcher.focus();
    }
    launcher.addEventListener('click', () => (panel.hidden ? open() : close()));
    $('.close').addEventListener('click', close);
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.stopPropagation(); close(); }
    });
    // unreadReply counts a reply that came while the panel was closed.
    const unreadReply = () => { unread++; update(); };
    return { open, close, update, unreadReply };
  }

  // ---- connection --------------------------------------------------------------
  // connection keeps the visitor's session and the socket, and queues what the
  // customer sends until the server acks it.
  function connection(w) {
    const { t, st, thread, socket } = w;
    const { $, connEl, panel, ratingForm } = w.dom;
    // refreshSession starts true: the first connection of a page view renews the
    // visitor token and learns whether the last conversation was resolved.
    let connected = false, refreshSession = true;

    function setConn(ok) {
      connected = ok;
      const show = !ok && (sock.attempt > 0 || thread.outbox.length > 0) && !panel.hidden;
      connEl.hidden = !show;
      connEl.textContent = t('widget.reconnecting');
      $('.dot').classList.toggle('off', !ok);
    }

    async function ensureSession() {
      const body = { lang: w.lang, ...identity };
      if (st.token) body.visitor_token = st.token;
      let res = await fetch(server + '/api/v1/widget/sessions', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), credentials: 'omit',
      });
      if (!res.ok && st.token && res.status >= 400 && res.status < 500 && res.status !== 429) {
        // The stored token expired or was revoked: start over as a new visitor.
        st.token = '';
        res = await fetch(server + '/api/v1/widget/sessions', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ lang: w.lang, ...identity }), credentials: 'omit',
        });
      }
      if (!res.ok) throw new Error('session: HTTP ' + res.status);
      const s = await res.json();
      st.token = s.visitor_token;
      if (s.conversation_id && s.conversation_id !== st.conv) resetConversation(s.conversation_id);
      w.save();
    }

    // resetConversation starts showing another conversation (the last one was
    // resolved): its seqs start again at 1, so the old lines go. Unsent lines
    // stay — they are the customer's first words in the new one.
    function resetConversation(id) {
      const unsent = st.msgs.filter((m) => m.pending);
      st.conv = id;
      thread.restart();
      st.msgs = [];
      st.status = '';
      w.log.clear();
      ratingForm.hidden = true; // a rating now would land on the new conversation
      delete st.pendingRating;
      for (const m of unsent) w.log.add(m, { persist: false });
    }

    const sock = new socket.Socket({
      waitOnline: true,
      async url() {
        if (!st.token || refreshSession) { await ensureSession(); refreshSession = false; }
        return server.replace(/^http/, 'ws') + '/ws/chat?token=' + encodeURIComponent(st.token);
      },
      onOpen() {
        sendFrame({ type: 'hello', last_seq: thread.lastSeq });
        flushOutbox();
      },
      onFrame: (f) => w.frames.handle(f),
      onClose(e, opened) {
        // A socket that never opened, or was refused, most likely holds a stale
        // token: get a fresh one before the next try.
        if (!opened || e.code === 1008 || e.code === 4001) refreshSession = true;
        setConn(false);
      },
      onRetry: () => setConn(false),
    });
    const connect = () => sock.connect();

    const connectNow = () => {
      if (!st.token && panel.hidden) return; // never opened: nothing to resume
      sock.reconnectNow();
    };
    window.addEventListener('online', connectNow);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) connectNow(); });

    const sendFrame = (f) => sock.send(f);

    function flushOutbox() {
      thread.resend(sendFrame);
      if (st.pendingRating) { sendFrame(st.pendingRating); }
    }

    // queueSend shows the customer's words at once as "sending…" and keeps the
    // frame until the server acks its client_id.
    function queueSend(frame, shownText) {
      if (st.status === 'resolved') {
        // That matter is closed: the next words open a new conversation. The
        // frame waits in the outbox while the socket moves over.
        st.status = '';
        refreshSession = true;
        sock.restart();
      }
      thread.queue(frame);
      w.log.add({ client_id: frame.client_id, author: { kind: 'customer' }, text: shownText, pending: true, created_at: new Date().toISOString() });
      sendFrame(frame);
      connect();
      setConn(connected);
    }

    return {
      connect, sendFrame, queueSend, ensureSession, resetConversation, setConn,
      get connected() { return connected; },
    };
  }

  // ---- incoming frames ---------------------------------------------------------
  // frameHandler acts on each frame the server sends: messages, acks, the bot's
  // stream, typing, the queue, status, offers and errors.
  function frameHandler(w) {
    const { t, st, thread, md } = w;
    const { $, panel, streamEl, typingEl, bannerEl } = w.dom;
    const { authorName, scrollDown, note: systemNote } = w.log;

    let typingTimer = 0;
    function showTyping(author) {
      const name = author && author.kind === 'agent' ? authorName(author) : t('widget.botName');
      $('.typing-text').textContent = t('widget.typing', { name });
      typingEl.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typingEl.hidden = true; }, 6000);
      scrollDown();
    }
    function hideTyping() { clearTimeout(typingTimer); typingEl.hidden = true; }

    let queueInfo = null;
    function renderBanner() {
      if (st.status === 'queued') {
        bannerEl.hidden = false;
        if (queueInfo && queueInfo.position) {
          const mins = Math.max(1, Math.round((queueInfo.eta_seconds || 0) / 60));
          bannerEl.textContent = t('widget.queuePos', { n: queueInfo.position }) + (queueInfo.eta_seconds ? ' · ' + t('widget.queueEta', { n: mins }) : '');
        } else bannerEl.textContent = t('widget.queueWaiting');
      } else bannerEl.hidden = true;
    }

    function setStatus(s) {
      if (!s) return;
      st.status = s;
      renderBanner();
      if (s === 'resolved' && !st.rated[st.conv]) w.rating.show();
      w.save();
    }

    function handle(f) {
      switch (f.type) {
        case 'welcome':
          if (f.conversation_id && st.conv && f.conversation_id !== st.conv) {
            // The server moved us to a new conversation: the old seqs mean nothing.
            w.conn.resetConversation(f.conversation_id);
            w.conn.sendFrame({ type: 'hello', last_seq: 0 });
          } else if (f.conversation_id) st.conv = f.conversation_id;
          w.conn.setConn(true);
          setStatus(f.status);
          break;
        case 'message': {
          const m = { seq: f.seq, conversation_id: f.conversation_id, author: f.author || { kind: 'bot' }, text: f.text || '', citations: f.citations || [], quick_replies: f.quick_replies || [], client_id: f.client_id || '', created_at: f.created_at };
          if (m.client_id) thread.acked(m.client_id);
          // The server sends a conversation's messages in seq order and fills its
          // own gaps (some seqs are staff-only notes and never come), so the last
          // message frame's seq is where a resume starts. Acks do not count: an
          // earlier message may still be on its way when ours is acked.
          thread.seen(m.seq);
          const kind = m.author.kind;
          if (kind !== 'customer') {
            hideTyping();
            if (kind === 'bot') { streamEl.hidden = true; streamText = ''; if (m.author.name) botName = m.author.name; }
          }
          if (w.log.add(m) && kind !== 'customer' && panel.hidden) w.panel.unreadReply();
          break;
        }
        case 'ack': {
          thread.acked(f.client_id);
          w.log.acked(f.client_id, f.seq);
          w.save();
          w.conn.setConn(w.conn.connected);
          break;
        }
        case 'bot.delta':
          hideTyping();
          streamText += f.text || '';
          streamEl.hidden = false;
          streamEl.querySelector('.who').textContent = botName || t('widget.botName');
          {
            // The caret goes at the end of the last line of text, inside its block.
            const bubble = streamEl.querySelector('.bubble');
            bubble.innerHTML = md.renderMarkdown(streamText);
            let end = bubble;
            while (end.lastElementChild) end = end.lastElementChild;
            const caret = document.createElement('span');
            caret.className = 'caret';
            (end.tagName === 'BR' ? end.parentNode : end).append(caret);
          }
          scrollDown();
          break;
        case 'typing':
          if (!f.author || f.author.kind !== 'customer') showTyping(f.author);
          break;
        case 'queue':
          queueInfo = { position: f.position, eta_seconds: f.eta_seconds };
          if (st.status !== 'queued') st.status = 'queued';
          renderBanner();
          break;
        case 'agent.joined': {
          const name = (f.agent && f.agent.name) || t('widget.agent');
          st.status = 'active';
          renderBanner();
          // The server may store its own "joined" line in the conversation; say
          // it here only if that has not arrived shortly after.
          setTimeout(() => {
            const said = st.msgs.some((x) => x.author && x.author.kind === 'system' && x.text.includes(name));
            if (!said) systemNote(t('widget.agentJoined', { name }));
          }, 1500);
          break;
        }
        case 'status':
          setStatus(f.status);
          break;
        case 'rated':
          delete st.pendingRating;
          w.save();
          break;
        case 'workorder':
          w.mine.onFrame(f);
          break;
        case 'offer':
          w.offer.show(f.kinds && f.kinds.length ? f.kinds : ['message', 'callback']);
          break;
        case 'error':
          if (f.client_id) failed(f);
          systemNote(errorText(f));
          break;
      }
    }
    let streamText = '';
    let botName = ''; // the name the server gives its bot, once a bot message shows it

    // failed handles an error about one sent message: a message the server will
    // never take (too long, invalid) leaves the outbox and is marked; one refused
    // for now (rate limit, busy) is sent again a little later.
    let resendTimer = 0;
    function failed(f) {
      if (f.code === 'rate_limited' || f.code === 'unavailable' || f.code === 'internal') {
        clearTimeout(resendTimer);
        resendTimer = setTimeout(() => { const x = thread.pending(f.client_id); if (x) w.conn.sendFrame(x); }, 5000);
        return;
      }
      thread.acked(f.client_id);
      w.log.failed(f.client_id);
      w.save();
    }

    function errorText(f) {
      const known = { rate_limited: 'widget.errRate', too_large: 'widget.errTooLarge', unavailable: 'widget.errUnavailable' };
      return known[f.code] ? t(known[f.code]) : (f.message || t('widget.errGeneric'));
    }

    // learnBotName keeps the name the server gives its bot, once a message shows it.
    function learnBotName(a) {
      if (a && a.kind === 'bot' && a.name) botName = a.name;
    }

    return { handle, renderBanner, learnBotName };
  }

  // ---- composer ----------------------------------------------------------------
  // composerBox is the text box and the quick-reply buttons.
  function composerBox(w) {
    const { composer, input, logEl } = w.dom;
    const { sendFrame, queueSend } = w.conn;
    let lastTypingSent = 0;
    function autosize() {
      input.style.height = '40px';
      const want = Math.min(input.scrollHeight + 2, 120);
      input.style.height = Math.max(want, 40) + 'px';
      input.style.overflowY = input.scrollHeight + 2 > 120 ? 'auto' : 'hidden';
    }
    input.addEventListener('input', () => {
      autosize();
      const now = Date.now();
      if (input.value && now - lastTypingSent > 3000) { lastTypingSent = now; sendFrame({ type: 'typing' }); }
    });
    input.addEventListener('keydown', (e) => {
      // Enter sends; Shift+Enter is a new line; Enter that ends an IME
      // composition (Chinese input) must not send half a word.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      autosize();
      queueSend({ type: 'message', text }, text);
      input.focus();
    });
    logEl.addEventListener('click', (e) => {
      const b = e.target.closest('.quick button');
      if (!b || b.disabled) return;
      queueSend({ type: 'choose', option: b.dataset.option }, b.textContent);
      input.focus();
    });
  }

  // ---- leave a message / call back ---------------------------------------------
  // offerCard is the form offered when no one can take the chat now.
  function offerCard(w) {
    const { t, st } = w;
    const { $, offerForm, input } = w.dom;
    const { scrollDown, note: systemNote } = w.log;
    let offerKinds = [];
    function renderKinds() {
      const box = $('.kinds');
      box.setAttribute('aria-label', t('widget.offerTitle'));
      const current = (offerForm.querySelector('input[name=kind]:checked') || {}).value || offerKinds[0];
      box.textContent = '';
      for (const k of offerKinds) {
        const l = document.createElement('label');
        l.className = 'chip';
        l.innerHTML = '<input type="radio" name="kind"><span></span>';
        l.firstChild.value = k;
        l.firstChild.checked = k === current;
        l.lastChild.textContent = t(k === 'callback' ? 'widget.kindCallback' : 'widget.kindMessage');
        box.append(l);
      }
      syncKind();
    }
    function syncKind() {
      const kind = (offerForm.querySelector('input[name=kind]:checked') || {}).value;
      const phoneNeeded = kind === 'callback';
      offerForm.phone.required = phoneNeeded;
      $('.lbl-phone').textContent = t('widget.phone') + (phoneNeeded ? ' *' : '');
      offerForm.text.placeholder = t(phoneNeeded ? 'widget.offerTextCallback' : 'widget.offerTextMessage');
    }
    offerForm.addEventListener('change', syncKind);
    function showOffer(kinds) {
      offerKinds = kinds.filter((k) => k === 'message' || k === 'callback');
      if (!offerKinds.length) return;
      renderKinds();
      offerForm.hidden = false;
      $('.form-error').textContent = '';
      scrollDown();
    }
    $('.offer-cancel').addEventListener('click', () => { offerForm.hidden = true; input.focus(); });
    offerForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const kind = (offerForm.querySelector('input[name=kind]:checked') || {}).value || offerKinds[0];
      const phone = offerForm.phone.value.trim();
      const text = offerForm.text.value.trim();
      const errEl = $('.form-error');
      if (kind === 'callback' && !/^[+\d][\d\s()-]{5,}$/.test(phone)) { errEl.textContent = t('widget.errPhone'); offerForm.phone.focus(); return; }
      if (kind === 'message' && !text) { errEl.textContent = t('widget.errText'); offerForm.text.focus(); return; }
      const btn = $('.offer-send');
      btn.disabled = true;
      try {
        if (!st.token) await w.conn.ensureSession();
        const res = await fetch(server + '/api/v1/widget/requests', {
          method: 'POST', credentials: 'omit',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + st.token },
          body: JSON.stringify({ kind, phone, text }),
        });
        if (!res.ok) {
          let body = {};
          try { body = await res.json(); } catch { /* not JSON */ }
          const er = body.error || {};
          const fields = er.fields ? Object.values(er.fields).join(' ') : '';
          errEl.textContent = fields || er.message || t('widget.errGeneric');
          return;
        }
        offerForm.reset();
        offerForm.hidden = true;
        systemNote(t(kind === 'callback' ? 'widget.thanksCallback' : 'widget.thanksMessage'));
        input.focus();
      } catch {
        errEl.textContent = t('widget.errOffline');
      } finally {
        btn.disabled = false;
      }
    });
    return { show: showOffer, renderKinds };
  }

  // ---- rating ------------------------------------------------------------------
  // ratingCard asks for stars once a conversation is resolved.
  function ratingCard(w) {
    const { t, st } = w;
    const { $, ratingForm, input } = w.dom;
    const { scrollDown, note: systemNote } = w.log;
    function renderStars() {
      const box = $('.stars');
      const cur = Number((ratingForm.querySelector('input[name=score]:checked') || {}).value || 0);
      box.textContent = '';
      for (let i = 1; i <= 5; i++) {
        const l = document.createElement('label');
        l.className = 'star';
        l.innerHTML = '<input type="radio" name="score" class="sr"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2l3 7 7 .6-5.3 4.7 1.6 7.2L12 17.8 5.7 21.5l1.6-7.2L2 9.6 9 9z"/></svg>';
        l.firstChild.value = String(i);
        l.firstChild.checked = i === cur;
        l.firstChild.setAttribute('aria-label', t('widget.stars', { n: i }));
        box.append(l);
      }
      paintStars();
    }
    function paintStars() {
      const cur = Number((ratingForm.querySelector('input[name=score]:checked') || {}).value || 0);
      ratingForm.querySelectorAll('.star').forEach((l, i) => l.classList.toggle('on', i < cur));
      $('.rating-send').disabled = !cur;
      // A rating of 1 or 2 asks what went wrong, from the admins' list.
      $('.reasons').hidden = !(cur && cur <= 2);
      if (cur && cur <= 2) loadReasons();
    }
    let reasons = null;
    async function loadReasons() {
      if (!reasons) {
        try {
          const res = await fetch(server + '/api/v1/widget/rating-reasons', { credentials: 'omit' });
          reasons = res.ok ? (await res.json()).reasons || [] : [];
        } catch { reasons = []; }
      }
      renderReasons();
    }
    function renderReasons() {
      $('.reasons-title').textContent = t('widget.ratingReasons');
      const box = $('.reason-list');
      const picked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
      box.textContent = '';
      for (const r of reasons || []) {
        const l = document.createElement('label');
        l.className = 'reason';
        const i = document.createElement('input');
        i.type = 'checkbox';
        i.name = 'reason';
        i.value = r.code;
        i.checked = picked.has(r.code);
        l.append(i, document.createTextNode(' ' + (w.lang === 'zh' ? r.zh : r.en)));
        box.append(l);
      }
    }
    ratingForm.addEventListener('change', paintStars);
    function showRating() {
      if (!ratingForm.hidden) return;
      ratingForm.hidden = false;
      scrollDown();
    }
    ratingForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const score = Number((ratingForm.querySelector('input[name=score]:checked') || {}).value || 0);
      if (!score) return;
      const frame = { type: 'rating', score, comment: ratingForm.comment.value.trim() };
      if (score <= 2) frame.reasons = [...ratingForm.querySelectorAll('input[name=reason]:checked')].map((i) => i.value);
      if (!w.conn.sendFrame(frame)) st.pendingRating = frame; else delete st.pendingRating;
      st.rated[st.conv] = true;
      w.save();
      ratingForm.hidden = true;
      // After a low rating the server's answer is the apology and the follow-up.
      if (score > 2) systemNote(t('widget.thanksRating'));
      input.focus();
    });
    $('.rating-skip').addEventListener('click', () => { st.rated[st.conv] = true; w.save(); ratingForm.hidden = true; input.focus(); });
    return { show: showRating, renderStars: () => { renderStars(); if (reasons) renderReasons(); } };
  }
})();
