// Shared building blocks: page frame with focus management, data loading
// with error and retry, form fields that show problem+json errors[] next
// to the field, cursor-paged lists.
import { html, useState, useEffect, useRef, useCallback } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { ApiError, get, qs } from '../lib/api.js';

// The frame of every screen: one h1 that takes focus after navigation, so
// screen readers announce the new page; document.title follows.
export function Page({ title, titleLang, wide, actions, children, className }) {
  const h1 = useRef(null);
  useEffect(() => {
    document.title = title ? title + ' · migtrain' : 'migtrain';
    if (h1.current && document.activeElement === document.body) h1.current.focus({ preventScroll: true });
  }, [title]);
  return html`<div class=${'page' + (wide ? ' wide' : '') + (className ? ' ' + className : '')}>
    <div class="page-head">
      <h1 tabindex="-1" ref=${h1} lang=${titleLang}>${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </div>
    ${children}
  </div>`;
}

// useApi('/courses/3') → {data, error, loading, reload, setData}
export function useApi(path, deps = []) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) { setState({ data: null, error: null, loading: false }); return; }
    let live = true;
    setState(s => ({ ...s, loading: true, error: null }));
    (typeof path === 'function' ? path() : get(path)).then(
      data => live && setState({ data, error: null, loading: false }),
      error => live && setState({ data: undefined, error, loading: false }));
    return () => { live = false; };
  }, [typeof path === 'function' ? null : path, tick, ...deps]);
  const reload = useCallback(() => setTick(x => x + 1), []);
  return { ...state, reload, setData: data => setState(s => ({ ...s, data })) };
}

export function Loading() {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${t('common.loading')}</p>`;
}

export function errorText(err) {
  if (!(err instanceof ApiError)) return t('error.unexpected');
  if (err.status === 0) return t('error.offline');
  if (err.status === 503) return t('error.unavailable');
  if (err.status === 429) return t('error.rate');
  if (err.status === 404) return t('error.notfound');
  if (err.status === 403) return t('error.forbidden');
  return err.problem.detail || err.problem.title || t('error.unexpected');
}

// A problem shown in plain words; offline, 503 and 429 offer a retry.
export function ErrorBox({ error, retry }) {
  if (!error) return null;
  return html`<div class="notice error" role="alert">
    <p>${errorText(error)}</p>
    ${retry && error.retryable !== false && (!(error instanceof ApiError) || error.retryable)
      ? html`<button type="button" class="button secondary" onClick=${retry}>${t('common.retry')}</button>` : null}
  </div>`;
}

// Renders children(data) once loaded, else a spinner or an error.
export function Loaded({ q, children }) {
  if (q.error) return html`<${ErrorBox} error=${q.error} retry=${q.reload} />`;
  if (q.loading && q.data === undefined) return html`<${Loading} />`;
  return children(q.data);
}

let fieldSeq = 0;
// A labelled input; error is the server's (or the client's) message.
export function Field({ label, name, type = 'text', value, onInput, error, hint, required, autocomplete, inputmode, children, ...rest }) {
  const [id] = useState(() => 'f' + (++fieldSeq));
  const describedBy = [hint ? id + '-hint' : null, error ? id + '-error' : null].filter(Boolean).join(' ') || undefined;
  const common = { id, name, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': describedBy, required, ...rest };
  return html`<div class=${'field' + (error ? ' has-error' : '')}>
    <label for=${id}>${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : null}</label>
    ${hint ? html`<p class="hint" id=${id + '-hint'}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${id + '-error'}>${error}</p>` : null}
    ${type === 'select'
      ? html`<select ...${common} value=${value} onChange=${e => onInput(e.target.value)}>${children}</select>`
      : type === 'textarea'
        ? html`<textarea ...${common} value=${value} onInput=${e => onInput(e.target.value)}></textarea>`
        : html`<input ...${common} type=${type} value=${value} autocomplete=${autocomplete} inputmode=${inputmode}
            onInput=${e => onInput(e.target.value)} />`}
  </div>`;
}

// Errors of a submitted form: the summary on top (focused), field messages
// go to the fields through fieldErrors().
export function FormErrors({ error }) {
  const ref = useRef(null);
  useEffect(() => { if (error && ref.current) ref.current.focus(); }, [error]);
  if (!error) return null;
  const items = error instanceof ApiError ? error.errors : [];
  return html`<div class="notice error" role="alert" tabindex="-1" ref=${ref}>
    <p>${errorText(error)}</p>
    ${items.length ? html`<ul>${items.map(e => html`<li>${e.field ? e.field + ': ' : ''}${e.message}</li>`)}</ul>` : null}
  </div>`;
}
export function fieldErrors(error) {
  return error instanceof ApiError ? error.fields : {};
}

// A list that pages with the API's cursors: `Show more` appends.
export function usePaged(path, params, deps = []) {
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const load = useCallback(async (after, replace) => {
    setLoading(true); setError(null);
    try {
      const r = await get(path + qs({ ...params, after }));
      setItems(old => (replace ? r.items : old.concat(r.items)));
      setNext(r.next);
    } catch (e) { setError(e); }
    setLoading(false);
  }, [path, JSON.stringify(params)]);
  useEffect(() => { load(undefined, true); }, [load, tick, ...deps]);
  return { items, next, error, loading, more: () => load(next, false), reload: () => setTick(x => x + 1) };
}

export function MoreButton({ p }) {
  if (p.error) return html`<${ErrorBox} error=${p.error} retry=${p.reload} />`;
  if (p.loading) return html`<${Loading} />`;
  if (!p.next) return null;
  return html`<p class="more"><button type="button" class="button secondary" onClick=${p.more}>${t('common.more')}</button></p>`;
}

export function ProgressBar({ done, total, label }) {
  const pct = total ? Math.round((done / total) * 100) : 0;
  return html`<div class="progress">
    <div class="progress-track" role="progressbar" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${done}
      aria-label=${label || t('progress.label')} aria-valuetext=${t('progress.text', { done, total })}>
      <div class=${'progress-fill w' + Math.round(pct / 5) * 5}></div>
    </div>
    <span class="progress-text">${t('progress.text', { done, total })}</span>
  </div>`;
}

export function Badge({ kind = 'neutral', children }) {
  return html`<span class=${'badge ' + kind}>${children}</span>`;
}

// Announces short status messages ("Saved") politely.
export function Status({ text }) {
  return html`<p class="status-line" role="status" aria-live="polite">${text || ''}</p>`;
}
