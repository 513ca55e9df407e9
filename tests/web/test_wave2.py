"""Browser tests of the screens for the APIs of the second wave: password
reset by mail link (the link read from the pending outbox row: the server
runs without MIGTRAIN_SMTP_URL so the body stays), the certificate PDF
links. tests/web/wave2.mjs drives Debian's Chromium like staff.mjs;
screenshots go to MIGTRAIN_TEST_OUT/wave2."""
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server, SOURCE, PASSWORD, run, finish  # noqa: E402

MODULES = os.environ.get("MIGTRAIN_WEB_MODULES", "build/web/node_modules")
OUT = os.path.join(os.environ.get("MIGTRAIN_TEST_OUT", "build/test-output/web"), "wave2")

s = Server("webwave2")
s.env.pop("MIGTRAIN_SMTP_URL", None)   # mail stays pending with its body
s.start()
admin = s.bootstrap()
org_a = s.org(admin, "State Border Guard Service")
_, coord = s.user(admin, "coord@example.org", "coordinator", org_a, "Coordinator Vaitkus")
learner_id, learner = s.user(admin, "learner@example.org", "trainee", org_a, "Aistė Learner")
s.user(admin, "reviewer@example.org", "reviewer", org_a, "Reviewer Jankauskas", login=False)
s.user(admin, "forgetful@example.org", "trainee", org_a, "Forgetful Petraitis", login=False)


def setup():
    """The learner completes a one-lesson course and holds its certificate."""
    r = s.post("/api/v1/courses", {"slug": "fundamental-rights", "title": "Fundamental rights at the border",
               "summary": "Rights of every traveller.", "audience": ["all"], "language": "en",
               "published": True}, token=coord)
    assert r.status == 201, r
    cid = r.json["id"]
    r = s.post("/api/v1/courses/%d/modules" % cid, {"title": "Rights", "kind": "lesson",
               "body_md": "Everyone has rights."}, token=coord)
    assert r.status == 201, r
    mid = r.json["id"]
    r = s.post("/api/v1/enrollments", {"course_id": cid, "user_id": learner_id}, token=coord)
    assert r.status in (200, 201), r
    r = s.post("/api/v1/modules/%d/complete" % mid, {}, token=learner)
    assert r.status == 200, r
    r = s.get("/api/v1/records?user_id=%d" % learner_id, token=learner)
    codes = [i["certificate_code"] for i in r.json["items"] if i.get("certificate_code")]
    assert codes, r
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)
    iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    r = s.post("/api/v1/events", {"kind": "study_visit", "title": "Visit to the Frontex training centre",
               "location": "Rome", "country": "IT", "starts_at": iso(start),
               "ends_at": iso(start + datetime.timedelta(days=2)), "capacity": 10}, token=coord)
    assert r.status == 201, r
    return {"course_id": cid, "cert_code": codes[0], "event_id": r.json["id"]}


def reset_link():
    """The token in the newest pending reset mail to forgetful@."""
    body = s.sql("SELECT body_text FROM mail_outbox WHERE kind = 'password_reset' AND "
                 "to_addr = 'forgetful@example.org' ORDER BY id DESC LIMIT 1")
    found = re.search(r"/reset#([A-Za-z0-9_-]{43})", body)
    assert found, body
    return found.group(1)


def test_wave2_browser():
    fixture = setup()
    fixture.update({"base": "http://127.0.0.1:%d" % s.port, "password": PASSWORD, "out": OUT,
                    "modules": MODULES, "source": os.path.abspath(SOURCE)})
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, MIGTRAIN_WEB_FIXTURE=json.dumps(fixture))
    # The node side asks for the reset link on stdin/stdout: it prints
    # "NEED reset" and reads the token back.
    p = subprocess.Popen(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wave2.mjs")],
                         env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        sys.stdout.write(line)
        if line.strip() == "NEED reset":
            p.stdin.write(reset_link() + "\n")
            p.stdin.flush()
    assert p.wait(timeout=600) == 0, "wave2 browser test failed (see above)"


run(test_wave2_browser)
finish(s)
