// A small, safe Markdown renderer for knowledge-base articles and bot answers:
// headings, paragraphs, bullet and numbered lists, bold, italic, inline code and
// links. It escapes all HTML first and only then adds the few tags it knows, so
// an article (or a bot answer quoting one) can never inject markup or script.

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** escapeHTML makes text safe to place in HTML text or a quoted attribute. */
export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

// A link is kept only when the URL the browser will follow — resolved the way
// the browser resolves it, so "/\\evil.example" counts as the other host it is —
// is on this server (where this module came from, also inside a host site's
// page) or on an https host, or is mailto:, tel: or an anchor. Anything else
// (javascript:, data:, plain http elsewhere, …) shows as plain text.
const SERVER = new URL('/', import.meta.url);

/** safeHref is the resolved URL a link may point at, or '' when it may not. */
export function safeHref(raw) {
  if (/^#[^\s]*$/.test(raw)) return raw;
  let u;
  try { u = new URL(raw, SERVER); } catch { return ''; }
  if (u.origin === SERVER.origin || u.protocol === 'https:' || u.protocol === 'mailto:' || u.protocol === 'tel:') return u.href;
  return '';
}

// inline renders bold, italic, code and links in one already-escaped line.
function inline(s) {
  const codes = [];
  s = s.replace(/`([^`]+)`/g, (m, c) => { codes.push(c); return `\u0000${codes.length - 1}\u0000`; });
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, text, url) => {
    const href = safeHref(url.replace(/&(amp|quot|#39|lt|gt);/g, (m, e) => ({ amp: '&', quot: '"', '#39': "'", lt: '<', gt: '>' })[e]));
    if (!href) return text;
    return `<a href="${escapeHTML(href)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
  });
  s = s.replace(/\*\*(?=\S)([^*]*?\S)\*\*|__(?=\S)([^_]*?\S)__/g, (m, a, b) => `<strong>${a || b}</strong>`);
  s = s.replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?!\*)/g, (m, pre, a) => `${pre}<em>${a}</em>`);
  s = s.replace(/\u0000(\d+)\u0000/g, (m, i) => `<code>${codes[Number(i)]}</code>`);
  return s;
}

/** renderMarkdown turns Markdown source into safe HTML. */
export function renderMarkdown(src) {
  const lines = escapeHTML(String(src || '').replace(/\r\n?/g, '\n')).split('\n');
  const out = [];
  let para = [];
  let list = null; // { tag: 'ul'|'ol', items: [] }
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map(inline).join('<br>')}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join('')}</${list.tag}>`);
    list = null;
  };
  for (const line of lines) {
    let m;
    if (!line.trim()) { flushPara(); flushList(); continue; }
    if ((m = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      flushPara(); flushList();
      const n = m[1].length;
      out.push(`<h${n}>${inline(m[2])}</h${n}>`);
      continue;
    }
    if ((m = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(line))) {
      const tag = /\d/.test(m[1]) ? 'ol' : 'ul';
      flushPara();
      if (list && list.tag !== tag) flushList();
      if (!list) list = { tag, items: [] };
      list.items.push(m[2]);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) { // a continuation of the last item
      list.items[list.items.length - 1] += ' ' + line.trim();
      continue;
    }
    flushList();
    para.push(line.trim());
  }
  flushPara();
  flushList();
  return out.join('\n');
}
