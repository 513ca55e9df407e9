"""Browser tests of the web application (API §12): a real server and
database prepared through the API, then tests/web/app.mjs drives Debian's
Chromium headless with playwright-core (pinned in server/web's lock file,
installed into the build folder by CMake). Screenshots go to
MIGTRAIN_TEST_OUT (build/test-output/web)."""
import json
import os
import subprocess
import sys
import urllib.parse
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server, SOURCE, PASSWORD, run, finish  # noqa: E402

MODULES = os.environ.get("MIGTRAIN_WEB_MODULES", "build/web/node_modules")
OUT = os.environ.get("MIGTRAIN_TEST_OUT", "build/test-output/web")

GIFT = """// One question of each of the six types.
::q1::Which regulation sets the entry conditions for third-country nationals? {
=Schengen Borders Code#Right: Article 6 lists them.
~Visa Code#The Visa Code governs visas, not entry conditions.
~Dublin III Regulation#Dublin decides responsibility for asylum claims.
}

::q2::Which of these are EU large-scale IT systems? {
~%50%Schengen Information System
~%50%Visa Information System
~%-100%Global Positioning System#GPS is not an EU border system.
}

::q3::Persons enjoying the right of free movement undergo a minimum check. {T#A thorough check is the rule for third-country nationals.#Correct.}

::q4::What is the abbreviation of the Entry/Exit System? {=EES}

::q5::How many months must a travel document stay valid after the intended departure? {#3:0}

::q6::Match each system with what it records. {
=SIS -> alerts
=VIS -> visa applications
=EES -> entries and exits
}
"""

LESSON1 = """Border checks protect the Schengen area **and** respect the rights of
every traveller.

## What you will learn
- the difference between minimum and thorough checks;
- how to *structure* an interview at the first line;
- when to refer a case to the second line.

A *minimum check* establishes identity and the validity of the document; a
*thorough check* also verifies every entry condition.

Read [the Schengen Borders Code](https://eur-lex.europa.eu/eli/reg/2016/399/oj) for the legal text.
"""

LESSON2 = """A good interview is calm, short and fair.

1. Greet the traveller and explain the check.
2. Ask open questions about the purpose of the journey.
3. Compare the answers with the documents.

> Never let the queue decide the depth of a check.
"""


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


s = Server("webapp").start()
admin = s.bootstrap()
org = s.org(admin, "State Border Guard Service")
coord_id, coord = s.user(admin, "coordinator@example.org", "coordinator", org, "Coordinator")
trainee_id, _ = s.user(admin, "ruta@example.org", "trainee", org, "Rūta Petrauskienė", login=False)
other_id, other = s.user(admin, "jonas@example.org", "trainee", org, "Jonas Kazlauskas")
s.cli("import-content", os.path.join(SOURCE, "content"))


def setup():
    r = s.post("/api/v1/courses", {"slug": "interviewing-at-the-border",
               "title": "Interviewing travellers at the border",
               "summary": "Structured first-line interviews: calm, short and fair.",
               "audience": ["border_guard"], "language": "en",
               "estimated_minutes": 45, "published": False}, token=coord)
    assert r.status == 201, r
    cid = r.json["id"]
    for title, md in (("Why interviews matter", LESSON1), ("Conducting the interview", LESSON2)):
        r = s.post("/api/v1/courses/%d/modules" % cid,
                   {"title": title, "kind": "lesson", "body_md": md}, token=coord)
        assert r.status == 201, r
    r = s.post("/api/v1/quizzes/import?" + urllib.parse.urlencode(
        {"title": "Check your understanding", "course_id": cid}),
        token=coord, raw=GIFT.encode(), content_type="text/plain; charset=utf-8")
    assert r.status == 201, r
    qid = r.json["id"]
    r = s.patch("/api/v1/quizzes/%d" % qid, {"pass_percent": 75, "max_attempts": 3,
                "time_limit_s": 900}, token=coord)
    assert r.status == 200, r
    r = s.patch("/api/v1/courses/%d" % cid, {"published": True}, token=coord)
    assert r.status == 200, r
    now = datetime.now(timezone.utc)
    events = []
    for title, cap, days in (("Document fraud workshop", 1, 20),
                             ("Study visit to the Frontex situation centre", 12, 40)):
        r = s.post("/api/v1/events", {
            "kind": "seminar" if cap == 1 else "study_visit", "title": title,
            "description": "Hands-on session with examiners of the document laboratory.",
            "location": "Vilnius" if cap == 1 else "Warsaw",
            "country": "LT" if cap == 1 else "PL",
            "starts_at": iso(now + timedelta(days=days)),
            "ends_at": iso(now + timedelta(days=days, hours=6)),
            "capacity": cap, "registration_opens_at": iso(now - timedelta(days=1)),
            "registration_closes_at": iso(now + timedelta(days=days - 2)),
            "requires_approval": False}, token=coord)
        assert r.status == 201, r
        events.append(r.json["id"])
    # Someone else takes the only seat of the first event.
    r = s.post("/api/v1/events/%d/registrations" % events[0], {}, token=other)
    assert r.status == 201 and r.json["status"] == "confirmed", r
    return {"course_id": cid, "quiz_id": qid, "full_event": events[0], "open_event": events[1]}


def test_browser():
    fixture = setup()
    fixture.update({"base": "http://127.0.0.1:%d" % s.port, "email": "ruta@example.org",
                    "password": PASSWORD, "out": OUT, "modules": MODULES,
                    "source": os.path.abspath(SOURCE)})
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, MIGTRAIN_WEB_FIXTURE=json.dumps(fixture))
    r = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "app.mjs")],
                       env=env, timeout=900)
    assert r.returncode == 0, "browser test failed (see above)"


run(test_browser)
finish(s)
