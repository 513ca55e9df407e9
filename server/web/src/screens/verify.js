// The public certificate page a QR code points to: holder, course, dates,
// issuer, status (valid or revoked, prominently) and whether the signature
// verifies against /api/v1/certificates/keys, checked in this browser when
// it has Ed25519, else reported as checked by the server. Printable.
import { html, useEffect } from '../lib/html.js';
import { t, fmtDate } from '../lib/i18n.js';
import { screen, query } from '../lib/router.js';
import { get } from '../lib/api.js';
import { Page, useApi, Loaded } from '../components/ui.js';
import { verifyJws, decodePayload } from '../lib/jws.js';

async function load(code) {
  const [cert, keys] = await Promise.all([
    get('/certificates/' + encodeURIComponent(code)),
    get('/certificates/keys'),
  ]);
  const sig = await verifyJws(cert.credential, keys);
  const payload = decodePayload(cert.credential);
  // A signature over other data than the page shows is a forgery too.
  if (sig.result === 'valid' && payload) {
    const subj = payload.credentialSubject || {};
    const holder = (subj.identifier || [])[0] || {};
    if (payload.name !== cert.course_title || holder.identityHash !== cert.holder_name) sig.result = 'invalid';
  }
  return { cert, sig, issuer: payload && payload.issuer && payload.issuer.name };
}

function Verify({ params }) {
  const q = useApi(() => load(params.code), [params.code]);
  // "Print" on My certificates opens this page with ?print=1.
  useEffect(() => { if (q.data && query().print) setTimeout(() => window.print(), 300); }, [q.data]);
  return html`<${Loaded} q=${q}>${({ cert, sig, issuer }) => {
    const valid = cert.valid && sig.result !== 'invalid';
    return html`<${Page} title=${t('verify.title')} className="verify"
        actions=${html`<button type="button" class="button secondary no-print" onClick=${() => window.print()}>${t('common.print')}</button>
          <a class="button secondary no-print" href=${'/api/v1/certificates/' + encodeURIComponent(cert.code) + '/pdf'} download>${t('cert.pdf')}</a>`}>
      <div class=${'verdict ' + (valid ? 'valid' : 'invalid')} role="status">
        <span class="verdict-icon" aria-hidden="true">${valid ? '✓' : '✕'}</span>
        <div><p class="verdict-title">${cert.revoked_at ? t('verify.revoked') : valid ? t('verify.valid') : t('verify.invalid')}</p>
        <p>${cert.revoked_at ? t('verify.revokedOn', { date: fmtDate(cert.revoked_at) }) : valid ? t('verify.validText') : t('verify.invalidText')}</p></div>
      </div>
      <section class="certificate" aria-label=${t('verify.certificate')}>
        <p class="cert-eyebrow">${t('verify.certifies')}</p>
        <p class="cert-holder">${cert.holder_name}</p>
        <p class="cert-eyebrow">${t('verify.completed')}</p>
        <p class="cert-course">${cert.course_title}</p>
        <dl class="pairs">
          <dt>${t('verify.completedOn')}</dt><dd>${fmtDate(cert.completed_at)}</dd>
          <dt>${t('verify.issuedOn')}</dt><dd>${fmtDate(cert.issued_at)}</dd>
          <dt>${t('verify.issuer')}</dt><dd>${issuer || 'migtrain'}</dd>
          <dt>${t('verify.code')}</dt><dd><code>${cert.code}</code></dd>
          <dt>${t('verify.status')}</dt><dd>${cert.revoked_at ? t('verify.revoked') : t('verify.notRevoked')}</dd>
          <dt>${t('verify.signature')}</dt><dd class=${'sig ' + sig.result}>${
            sig.result === 'valid' ? t('verify.sigBrowser', { kid: sig.kid })
            : sig.result === 'unsupported' ? (cert.valid ? t('verify.sigServer') : t('verify.sigServerBad'))
            : t('verify.sigBad')}</dd>
        </dl>
      </section>
    <//>`;
  }}<//>`;
}

screen('/verify/:code', Verify, { auth: false });
