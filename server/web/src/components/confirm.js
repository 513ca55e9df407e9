// A modal confirmation for what cannot be undone (deleting a lesson or a
// course). The native <dialog> keeps focus inside and closes on Escape;
// its heading names it, its text (what else goes) describes it, and the
// safe answer has focus first. Cancelling gives focus back to the button
// that opened it; after the deed the caller decides where focus goes (the
// button is usually gone). A refusal from the server (409: learners depend
// on it) is shown inside the dialog, in the server's words.
import { html, useState, useEffect, useRef } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { errorText } from './ui.js';

let seq = 0;

export function ConfirmDialog({ label, name, title, body, yes, onConfirm, onDone }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [id] = useState(() => 'dlg' + (++seq));
  const dlg = useRef(null), trigger = useRef(null), safe = useRef(null);
  useEffect(() => {
    const d = dlg.current;
    if (open && d && !d.open) {
      d.showModal();
      if (safe.current) safe.current.focus();
    }
  }, [open]);
  function cancel() {
    if (dlg.current && dlg.current.open) dlg.current.close();
    setOpen(false); setError(null);
    requestAnimationFrame(() => trigger.current && trigger.current.focus());
  }
  async function go() {
    setBusy(true); setError(null);
    try {
      await onConfirm();
    } catch (e) {
      setError(e); setBusy(false);
      if (safe.current) safe.current.focus();
      return;
    }
    setBusy(false);
    if (dlg.current && dlg.current.open) dlg.current.close();
    setOpen(false);
    if (onDone) onDone();
  }
  return html`<button type="button" class="button danger small" ref=${trigger} aria-haspopup="dialog"
      aria-label=${name} onClick=${() => setOpen(true)}>${label}</button>
    ${open ? html`<dialog ref=${dlg} class="dialog" aria-labelledby=${id + '-t'} aria-describedby=${id + '-b'}
        onCancel=${e => { e.preventDefault(); cancel(); }}>
      <h2 id=${id + '-t'}>${title}</h2>
      <p id=${id + '-b'}>${body}</p>
      ${error ? html`<div class="notice error" role="alert"><p>${t('author.cannotDelete')}</p><p>${errorText(error)}</p></div>` : null}
      <div class="actions">
        <button type="button" class="button secondary" ref=${safe} onClick=${cancel}>${error ? t('author.close') : t('staff.keep')}</button>
        ${error ? null : html`<button type="button" class="button danger" disabled=${busy} onClick=${go}>
          ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : null}${yes}</button>`}
      </div>
    </dialog>` : null}`;
}
