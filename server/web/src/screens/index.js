// Every screen file, imported for its screen() and nav() registrations.
// Add a screen: create screens/<name>.js and import it here (see
// ../ARCHITECTURE.md). Order of nav items is set by their `order`.
import './login.js';
import './home.js';
import './catalog.js';
import './course.js';
import './module.js';
import './events.js';
import './certificates.js';
import './transcript.js';
import './password.js';
import './reset.js';
import './verify.js';
import './records.js';
import './dashboard.js';
import './authoring.js';
import './manage-events.js';
import './event-report.js';
import './event-tests.js';
import './secondments.js';
import './admin.js';
import './outbox.js';
