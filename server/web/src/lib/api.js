// The API client: JSON in and out, the cookie session with its CSRF token
// on every write, problem+json turned into ApiError. A 401 outside the
// login form sends the user to sign in and back (see session.js).
let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token || null; }
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
    this.status = status;                 // 0: network unreachable
    this.problem = problem || {};
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
  // {field: message} from problem+json errors[]
  get fields() {
    const out = {};
    for (const e of this.errors) if (e && e.field) out[e.field] = e.message;
    return out;
  }
  get retryable() { return this.status === 0 || this.status === 503 || this.status === 429; }
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? '?' + s : '';
}

export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.body); }
  if (opts.text !== undefined) { headers['Content-Type'] = 'text/plain'; body = opts.text; }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch('/api/v1' + path, { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { title: 'offline' });
  }
  if (r.status === 204 || method === 'HEAD') {
    if (r.ok) return null;
  }
  const type = r.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await r.json().catch(() => null) : await r.text().catch(() => '');
  if (!r.ok) {
    const err = new ApiError(r.status, typeof data === 'object' ? data : { detail: String(data || '') });
    if (r.status === 401 && !opts.quiet401) onUnauthorized();
    throw err;
  }
  return data;
}

export const get = (p, o) => api(p, o);
export const post = (p, body, o) => api(p, { ...o, method: 'POST', body });
export const put = (p, body, o) => api(p, { ...o, method: 'PUT', body });
export const patch = (p, body, o) => api(p, { ...o, method: 'PATCH', body });
export const del = (p, o) => api(p, { ...o, method: 'DELETE' });
