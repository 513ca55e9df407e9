// Building blocks of the staff screens: form state, dates for
// datetime-local inputs, names of users by id, an inline confirmation,
// SVG charts drawn in the page (no data leaves it) and file downloads
// fetched with a spinner instead of freezing the page.
import { html, useState, useEffect } from '../lib/html.js';
import { t, fmtNumber } from '../lib/i18n.js';
import { get, qs } from '../lib/api.js';

export function useForm(initial) {
  const [v, setV] = useState(initial);
  const set = k => x => setV(old => ({ ...old, [k]: x }));
  return [v, set, setV];
}

// datetime-local values are on the office's clock (lib/zone.js), not the
// browser's.
export { toOfficeInput as toLocalInput, fromOfficeInput as fromLocalInput } from '../lib/zone.js';

// Every page of a list (for selects and charts); stops at `max` rows.
export async function getAll(path, params = {}, max = 2000) {
  let out = [], after;
  do {
    const r = await get(path + qs({ ...params, limit: 200, after }));
    out = out.concat(r.items);
    after = r.next;
  } while (after && out.length < max);
  return out;
}

export function useAll(path, params = {}) {
  const [items, setItems] = useState(null);
  const key = path + JSON.stringify(params);
  useEffect(() => {
    let live = true;
    if (!path) { setItems([]); return; }
    getAll(path, params).then(x => live && setItems(x), () => live && setItems([]));
    return () => { live = false; };
  }, [key]);
  return items;
}

// Two-step button: the first press asks, the second does it.
export function ConfirmButton({ label, question, yes, onConfirm, busy, kind = 'danger' }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return html`<button type="button" class=${'button ' + kind} disabled=${busy} onClick=${() => setAsking(true)}>${label}</button>`;
  return html`<span class="confirm" role="group" aria-label=${question}>
    <span class="confirm-q">${question}</span>
    <button type="button" class=${'button ' + kind} disabled=${busy} ref=${el => el && el.focus()}
      onClick=${async () => { await onConfirm(); setAsking(false); }}>${yes}</button>
    <button type="button" class="button secondary" onClick=${() => setAsking(false)}>${t('staff.keep')}</button>
  </span>`;
}

// Horizontal bars: rows [{label, value}], max the scale (else the largest).
export function BarChart({ title, rows, max, format = fmtNumber }) {
  const top = max || Math.max(1, ...rows.map(r => r.value));
  const h = 28, labelW = 150, barW = 190;
  const height = Math.max(1, rows.length) * h + 8;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 400 ${height}`} role="img" aria-label=${title} preserveAspectRatio="xMinYMin meet">
      <title>${title}</title>
      ${rows.map((r, i) => html`<g>
        <rect class="bar-bg" x=${labelW} y=${i * h + 4} width=${barW} height=${h - 10} rx="3"></rect>
        <rect class="bar" x=${labelW} y=${i * h + 4} width=${Math.max(0, barW * r.value / top)} height=${h - 10} rx="3"></rect>
        <text class="bar-label" x=${labelW + barW + 6} y=${i * h + h / 2 + 3}>${format(r.value)}</text>
        <text class="bar-name" x="0" y=${i * h + h / 2 + 3}>${r.label.length > 24 ? r.label.slice(0, 23) + '…' : r.label}</text>
      </g>`)}
    </svg>
  </figure>`;
}

// A line over time: points [{label, value}] in order.
export function LineChart({ title, points }) {
  const W = 400, H = 160, pad = 24;
  const top = Math.max(1, ...points.map(p => p.value));
  const x = i => pad + (points.length <= 1 ? (W - 2 * pad) / 2 : i * (W - 2 * pad) / (points.length - 1));
  const y = v => H - pad - v * (H - 2 * pad) / top;
  const d = points.map((p, i) => (i ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(p.value).toFixed(1)).join(' ');
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${title}>
      <title>${title}</title>
      <line class="axis" x1=${pad} y1=${H - pad} x2=${W - pad} y2=${H - pad}></line>
      <line class="axis" x1=${pad} y1=${pad} x2=${pad} y2=${H - pad}></line>
      <text class="tick" x="2" y=${pad + 4}>${fmtNumber(top)}</text>
      <text class="tick" x="2" y=${H - pad + 4}>0</text>
      ${points.length ? html`<path class="line" d=${d}></path>` : null}
      ${points.map((p, i) => html`<circle class="dot" cx=${x(i)} cy=${y(p.value)} r="3"></circle>`)}
      ${points.map((p, i) => (i === 0 || i === points.length - 1) ? html`<text class="tick" x=${x(i) - 18} y=${H - 6}>${p.label}</text>` : null)}
    </svg>
  </figure>`;
}

// Fetches a file (CSV) with a spinner, then hands it to the browser as a
// download; the page stays usable meanwhile.
export function DownloadButton({ path, filename, label }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function go() {
    setBusy(true); setError(null);
    try {
      const r = await fetch('/api/v1' + path, { headers: { Accept: 'text/csv' }, credentials: 'same-origin' });
      if (!r.ok) throw new Error(String(r.status));
      const url = URL.createObjectURL(await r.blob());
      const a = document.createElement('a');
      a.href = url; a.download = filename;
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { setError(e); }
    setBusy(false);
  }
  return html`<span class="download">
    <button type="button" class="button secondary" disabled=${busy} aria-busy=${busy ? 'true' : 'false'} onClick=${go}>
      ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : null}${label}</button>
    <span role="status" class="status-line">${busy ? t('staff.downloading') : error ? t('staff.downloadFailed') : ''}</span>
  </span>`;
}

export const EU_EEA = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT',
  'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO'];
export function countryName(code) {
  try { return new Intl.DisplayNames([document.documentElement.lang], { type: 'region' }).of(code); } catch (e) { return code; }
}
