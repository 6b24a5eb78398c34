// The demo utility site: its text comes from the shared table in the browser's
// language, and its switch tells the widget to follow.
import { applyText, savedLang, saveLang } from './i18n.js';

let lang = savedLang();
applyText(document, lang);
document.title = (lang === 'zh' ? '格兰电力 — 24小时服务' : 'Gridline Power — 24-hour service');

document.getElementById('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  saveLang(lang);
  applyText(document, lang);
  document.title = (lang === 'zh' ? '格兰电力 — 24小时服务' : 'Gridline Power — 24-hour service');
  window.dispatchEvent(new CustomEvent('gridline:lang', { detail: lang }));
});

document.getElementById('open-chat').addEventListener('click', () => {
  if (window.GridlineWidget) window.GridlineWidget.open();
});
