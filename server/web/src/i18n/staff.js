// The staff screens' catalogues (coordinator, reviewer, admin), kept apart
// from en.js/lt.js and merged into them by lib/i18n.js.
import en from './staff.en.js';
import lt from './staff.lt.js';
export default { en, lt };
