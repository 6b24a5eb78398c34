// What the agent console and the admin pages share: the REST client (bearer token
// plus the server's cookie), the sign-in screen, the language switch, a tiny DOM
// builder and a toast. Each page owns its state; this module holds none beyond
// the session it is given.
import { translate, savedLang, saveLang } from './i18n.js';

/** ApiError is a failed REST call with the server's {error:{code,message,fields}}. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.fields = e.fields || null;
  }
}

/**
 * h builds an element: h('button#save.primary', {onclick, type:'button'}, 'Save').
 * Strings become text nodes, never HTML, so data from the server is always safe.
 */
export function h(tag, attrs, ...children) {
  const [head, ...classes] = tag.split('.');
  const [name, id] = head.split('#');
  const el = document.createElement(name || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) { children.unshift(attrs); attrs = null; }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.style.cssText = v; // the CSSOM, which a CSP without 'unsafe-inline' allows
    else if (k === 'value' || (k in el && typeof v !== 'string')) el[k] = v; // properties: value, checked, readOnly…
    else if (v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Console is one page's session: language, token, user, and the REST client. */
export class Console {
  /**
   * @param {string} app 'agent' or 'admin' — the storage namespace.
   * @param {(c: Console) => void} onLang called after the language changes.
   */
  constructor(app, onLang) {
    this.app = app;
    this.lang = savedLang();
    this.onLang = onLang;
    this.key = 'gridline.' + app + '.session';
    this.session = null;
    try { this.session = JSON.parse(localStorage.getItem(this.key) || 'null'); } catch { this.session = null; }
  }

  /** t translates a key in the page's current language. */
  t(key, vars) { return translate(this.lang, key, vars); }

  /** setLang switches the page's language and remembers it. */
  setLang(lang) {
    this.lang = lang;
    saveLang(lang);
    if (this.onLang) this.onLang(this);
  }

  get user() { return this.session && this.session.user; }

  /** api calls the REST API; it returns parsed JSON (or null) and throws ApiError. */
  async api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.session && this.session.token) headers.Authorization = 'Bearer ' + this.session.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, { error: { code: 'network', message: this.t('console.networkError') } });
    }
    const text = await res.text();
    let data = null;
    if (text) { try { data = JSON.parse(text); } catch { data = null; } }
    if (!res.ok) {
      const err = new ApiError(res.status, data);
      if (res.status === 401 && !path.endsWith('/auth/login')) this.signedOut();
      throw err;
    }
    return data;
  }

  /** login posts the credentials and keeps {token,user}. */
  async login(email, password) {
    const s = await this.api('POST', '/api/v1/auth/login', { email, password });
    this.session = { token: s.token, user: s.user };
    localStorage.setItem(this.key, JSON.stringify(this.session));
    return s.user;
  }

  /**
   * refreshUser asks the server who the stored token belongs to. It returns
   * false when the token is dead (signedOut has then run); a network failure
   * keeps the stored user, so a console opened offline still shows.
   */
  async refreshUser() {
    try {
      const u = await this.api('GET', '/api/v1/auth/me');
      if (u && u.id && this.session) {
        this.session.user = u;
        localStorage.setItem(this.key, JSON.stringify(this.session));
      }
      return true;
    } catch (err) {
      return err.status !== 401;
    }
  }

  /** logout ends the session on the server (best effort) and here. */
  async logout() {
    try { await this.api('POST', '/api/v1/auth/logout'); } catch { /* already gone */ }
    this.forget();
  }

  forget() {
    this.session = null;
    localStorage.removeItem(this.key);
  }

  /** signedOut is called when the server no longer accepts the token. */
  signedOut() {
    this.forget();
    if (this.onSignedOut) this.onSignedOut();
  }
}

/**
 * loginForm renders the sign-in card into box and resolves with the user once
 * the credentials work (and the role passes allow). extra are further fields a
 * console asks for at sign-in, shown above the button.
 */
export function loginForm(c, box, allow, extra = []) {
  return new Promise((resolve) => {
    const err = h('p.form-error', { role: 'alert' });
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, id: 'login-email' });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, id: 'login-password' });
    const button = h('button.primary', { type: 'submit' }, c.t('console.login'));
    const form = h('form.login-card', {
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        button.disabled = true;
        try {
          const user = await c.login(email.value.trim(), password.value);
          if (allow && !allow(user)) { c.forget(); err.textContent = c.t('console.forbidden'); return; }
          resolve(user);
        } catch (ex) {
          err.textContent = ex.status === 401 || ex.status === 400 ? c.t('console.loginFailed') : ex.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div.brand-mark', { 'aria-hidden': 'true' }, '⚡'),
    h('h1', c.t('console.loginTitle')),
    h('p.muted.small', c.t(c.app + '.title')),
    h('label', { for: 'login-email' }, c.t('console.email')), email,
    h('label', { for: 'login-password' }, c.t('console.password')), password,
    ...extra, err, button);
    box.replaceChildren(form);
    email.focus();
  });
}

/** langButton is the visible language switch every console shows. */
export function langButton(c) {
  return h('button.lang', {
    type: 'button', 'aria-label': c.t('console.langLabel'), title: c.t('console.langLabel'),
    onclick: () => c.setLang(c.lang === 'zh' ? 'en' : 'zh'),
  }, c.t('console.lang'));
}

/** toast shows a short notice at the bottom of the page (announced politely). */
export function toast(text, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const el = h('div.toast.' + kind, text);
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/** since formats the time from iso until now as "3:05" or "1:02:10". */
export function since(iso, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

/** when formats a timestamp for lists in the page's language. */
export function when(c, iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return d.toLocaleString(c.lang === 'zh' ? 'zh-CN' : 'en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

