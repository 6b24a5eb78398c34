// The widget's "feedback" form (主动式反馈): at any time a customer may send an
// opinion, a suggestion or praise; the server (POST /api/v1/widget/feedback)
// makes each a work order of that type and answers with its number, which is
// said in the card. widget.js imports it beside its other modules and hands it
// the widget object w.

const KINDS = ['opinion', 'suggestion', 'praise'];
const MAX = 2000;

/** feedbackForm adds the header button and the card to the widget's panel. */
export function feedbackForm(w, server) {
  const { t, st } = w;
  const { $, panel } = w.dom;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'mine-btn fb-btn';
  button.setAttribute('aria-expanded', 'false');
  button.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
  $('header').insertBefore(button, $('.close'));
  const card = document.createElement('form');
  card.className = 'card mine fb';
  card.hidden = true;
  card.noValidate = true;
  card.innerHTML = '<div class="row mine-head"><h3 class="fb-title"></h3><button type="button" class="ghost fb-back"></button></div>' +
    '<fieldset class="fb-kinds"><legend class="fb-kind-label"></legend>' +
    KINDS.map((k) => `<label class="fb-kind"><input type="radio" name="kind" value="${k}"${k === 'suggestion' ? ' checked' : ''}><span data-kind="${k}"></span></label>`).join('') +
    '</fieldset><textarea name="text" rows="5" maxlength="' + MAX + '" class="fb-text"></textarea>' +
    '<div class="row"><button type="submit" class="primary fb-send"></button></div><p class="mine-note fb-note" role="status"></p>';
  panel.insertBefore(card, $('.scroller'));
  const note = card.querySelector('.fb-note');
  const text = card.querySelector('.fb-text');
  const send = card.querySelector('.fb-send');

  card.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { kind: card.kind.value, text: text.value.trim(), lang: w.lang };
    if (!body.text) { note.textContent = t('widget.feedbackEmpty'); text.focus(); return; }
    send.disabled = true;
    try {
      if (!st.token) await w.conn.ensureSession();
      const res = await fetch(server + '/api/v1/widget/feedback', {
        method: 'POST', credentials: 'omit',
        headers: { Authorization: 'Bearer ' + st.token, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      let out = {};
      try { out = await res.json(); } catch { /* not JSON */ }
      if (res.status === 429) note.textContent = t('widget.feedbackLimited');
      else if (!res.ok) note.textContent = (out.error && out.error.message) || t('widget.errGeneric');
      else {
        note.textContent = t('widget.feedbackSent', { n: out.workorder.number });
        text.value = '';
      }
    } catch {
      note.textContent = t('widget.errOffline');
    } finally {
      send.disabled = false;
    }
  });

  function show() {
    if (w.mine) w.mine.hide(); // one card at a time
    card.hidden = false;
    $('.scroller').hidden = true; // the card takes the conversation's place
    button.setAttribute('aria-expanded', 'true');
    note.textContent = '';
    text.focus();
  }
  function hide() {
    card.hidden = true;
    $('.scroller').hidden = false;
    button.setAttribute('aria-expanded', 'false');
  }
  button.addEventListener('click', () => (card.hidden ? show() : hide()));
  card.querySelector('.fb-back').addEventListener('click', () => { hide(); w.dom.input.focus(); });

  function applyText() {
    button.setAttribute('aria-label', t('widget.feedback'));
    button.title = t('widget.feedback');
    card.querySelector('.fb-title').textContent = t('widget.feedbackTitle');
    card.querySelector('.fb-back').textContent = t('widget.back');
    card.querySelector('.fb-kind-label').textContent = t('widget.feedbackKind');
    for (const k of KINDS) card.querySelector(`[data-kind=${k}]`).textContent = t('widget.feedbackKind.' + k);
    text.placeholder = t('widget.feedbackPlaceholder');
    text.setAttribute('aria-label', t('widget.feedbackPlaceholder'));
    send.textContent = t('widget.feedbackSend');
  }
  return { show, hide, applyText };
}
