"""Mail (API §13) and calendar subscriptions (API §14) against a real SMTP
server started here (aiosmtpd, tests/api/smtp_sink.py): each message kind
arrives once, to the right person, in their language, as MIME Python's
email package parses, with iCalendar parts python3-icalendar parses (METHOD,
UID, SEQUENCE); header injection through names and titles; a rolled-back
change sends nothing; SMTP down then up; two servers on one database send
200 messages exactly once; STARTTLS with a self-signed certificate and
AUTH; giving up after 24 hours; SIGTERM mid-queue; password reset; the
self-service profile; the outbox view; the secret calendar feed."""
import datetime
import email.utils
import re

import icalendar

from harness import Server, PASSWORD, free_port, problem, run, finish
from smtp_sink import Sink

PUBLIC = "https://train.example.org"
sink = Sink().start()
s = Server("mail", env={"MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % sink.port,
                        "MIGTRAIN_MAIL_FROM": "noreply@train.example.org",
                        "MIGTRAIN_PUBLIC_URL": PUBLIC + "/"}).start()
admin = s.bootstrap()
office = int(s.sql("SELECT id FROM orgs"))
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", office,
                         name="Coordinator")
en_id, en = s.user(admin, "amina@example.org", "trainee", office,
                   name="Amina Diallo")
lt_id, lt = s.user(admin, "jonas@example.lt", "trainee", office,
                   name="Jonas Žemaitis")
r = s.patch("/api/v1/users/%d" % lt_id, {"language": "lt"}, token=lt)
assert r.status == 200 and r.json["language"] == "lt", r
_n = [0]


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(**kw):
    _n[0] += 1
    start = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(days=30 + _n[0])
    b = {"kind": "seminar", "title": "Seminar %d" % _n[0],
         "location": "Vilnius", "country": "LT", "starts_at": iso(start),
         "ends_at": iso(start + datetime.timedelta(hours=8)), "capacity": 1}
    b.update(kw)
    r = s.post("/api/v1/events", b, token=coord)
    assert r.status == 201, r
    return r.json


def register(eid, token):
    r = s.post("/api/v1/events/%d/registrations" % eid, {}, token=token)
    assert r.status == 201, r
    return r.json


def new_user(email, name=None, language=None):
    uid, tok = s.user(admin, email, "trainee", office, name=name)
    if language:
        assert s.patch("/api/v1/users/%d" % uid, {"language": language},
                       token=tok).status == 200
    return uid, tok


def outbox_rows(addr):
    return int(s.sql("SELECT count(*) FROM mail_outbox WHERE to_addr = "
                     ":'v1'", addr))


def all_sent(server=None):
    return (server or s).sql(
        "SELECT count(*) FROM mail_outbox WHERE status <> 'sent'") == "0"


def mails(addr, subject_has=None):
    """Delivered messages to addr (subject filter), as parsed messages."""
    out = []
    for rcpt, m, raw, _ in sink.parsed(addr):
        if subject_has is None or subject_has in str(m["Subject"]):
            out.append(m)
    return out


def one_mail(addr, subject_has, timeout=30):
    sink.wait(lambda: len(mails(addr, subject_has)) >= 1, timeout,
              "%r to %s" % (subject_has, addr))
    got = mails(addr, subject_has)
    assert len(got) == 1, [str(m["Subject"]) for m in got]
    return got[0]


def check_mime(m, addr, language):
    """Valid RFC 5322 / MIME as Python's email package reads it."""
    assert m["To"].addresses[0].addr_spec == addr, m["To"]
    assert m["From"].addresses[0].addr_spec == "noreply@train.example.org"
    assert re.match(r"^<[0-9a-f]{32}@train\.example\.org>$", m["Message-ID"])
    assert email.utils.parsedate_to_datetime(m["Date"]).tzinfo is not None
    assert m["Content-Language"] == language
    assert not m.defects, m.defects
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    assert "<html lang=\"%s\">" % language in html
    return text, html


def calendar_part(m):
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_content())
            return part, cal
    raise AssertionError("no text/calendar part")


def test_registration_kinds():
    e = make_event(title="Border checks")
    register(e["id"], en)
    m = one_mail("amina@example.org", "Registration confirmed: Border checks")
    text, html = check_mime(m, "amina@example.org", "en")
    assert "Border checks" in text and "Vilnius, LT" in text, text
    register(e["id"], lt)
    m = one_mail("jonas@example.lt", "Įrašyta į laukiančiųjų sąrašą: "
                 "Border checks")
    text, _ = check_mime(m, "jonas@example.lt", "lt")
    assert "„Border checks“" in text and "eilėje: 1" in text, text
    mine = s.get("/api/v1/events/%d/registrations" % e["id"], token=coord)
    rid = [g for g in mine.json["items"] if g["user_id"] == en_id][0]["id"]
    assert s.delete("/api/v1/registrations/%d" % rid, token=en).status == 200
    m = one_mail("jonas@example.lt", "Atsilaisvino vieta: Border checks")
    check_mime(m, "jonas@example.lt", "lt")

    a = make_event(title="Approval only", requires_approval=True, capacity=5)
    g1 = register(a["id"], en)
    g2 = register(a["id"], lt)
    one_mail("amina@example.org", "Registration awaiting approval: "
             "Approval only")
    one_mail("jonas@example.lt", "Registracija laukia patvirtinimo: "
             "Approval only")
    assert s.post("/api/v1/registrations/%d/approve" % g1["id"],
                  token=coord).status == 200
    assert s.post("/api/v1/registrations/%d/reject" % g2["id"],
                  token=coord).status == 200
    m = one_mail("amina@example.org", "Registration approved: Approval only")
    assert "now confirmed" in check_mime(m, "amina@example.org", "en")[0]
    one_mail("jonas@example.lt", "Registracija atmesta: Approval only")
    # No message without its change; the ones that exist arrive once.
    sink.wait(all_sent, 30, "outbox drained")
    for addr in ("amina@example.org", "jonas@example.lt"):
        assert len(mails(addr)) == outbox_rows(addr), addr


def test_event_change_and_cancel():
    e = make_event(title="Moved seminar", capacity=1)
    u1, t1 = new_user("moved1@example.org", "Moved One")
    u2, t2 = new_user("moved2@example.org", "Moved Two", "lt")
    u3, t3 = new_user("moved3@example.org", "Moved Three")
    register(e["id"], t1)                     # confirmed
    register(e["id"], t2)                     # waitlisted
    cal = icalendar.Calendar.from_ical(s.get(
        "/api/v1/events/%d/calendar" % e["id"], token=t1).body)
    uid = str(cal.walk("VEVENT")[0]["UID"])
    later = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(days=90)
    r = s.patch("/api/v1/events/%d" % e["id"],
                {"starts_at": iso(later), "location": "Kaunas",
                 "ends_at": iso(later + datetime.timedelta(hours=3))},
                token=coord)
    assert r.status == 200, r
    # A change of title only says nothing.
    assert s.patch("/api/v1/events/%d" % e["id"], {"title": "Moved seminar"},
                   token=coord).status == 200
    for addr, subj, lang in (
            ("moved1@example.org", "Time or place changed: Moved seminar",
             "en"),
            ("moved2@example.org", "Pasikeitė renginio laikas arba vieta: Moved seminar", "lt")):
        m = one_mail(addr, subj)
        text, _ = check_mime(m, addr, lang)
        assert "Kaunas" in text
        part, c = calendar_part(m)
        assert part.get_param("method") == "REQUEST"
        assert str(c["METHOD"]) == "REQUEST"
        ev = c.walk("VEVENT")[0]
        assert str(ev["UID"]) == uid and int(ev["SEQUENCE"]) == 1, ev
        assert "Kaunas" in str(ev["LOCATION"])
        assert ev.decoded("DTSTART") == later.replace(microsecond=0)
        assert str(ev["ATTENDEE"]).lower() == "mailto:" + addr
    register(e["id"], t3)                     # waitlisted too
    assert s.post("/api/v1/events/%d/cancel" % e["id"],
                  token=coord).status == 200
    for addr in ("moved1@example.org", "moved2@example.org",
                 "moved3@example.org"):
        m = one_mail(addr, "ancel" if addr != "moved2@example.org"
                     else "Renginys atšauktas")
        part, c = calendar_part(m)
        assert str(c["METHOD"]) == "CANCEL" and part.get_param("method") == \
            "CANCEL"
        ev = c.walk("VEVENT")[0]
        assert str(ev["UID"]) == uid and int(ev["SEQUENCE"]) == 2
        assert str(ev["STATUS"]) == "CANCELLED"
    # The feed says the same UID and SEQUENCE as the mail.
    feed = icalendar.Calendar.from_ical(s.get(
        "/api/v1/events/%d/calendar" % e["id"], token=t1).body)
    assert int(feed.walk("VEVENT")[0]["SEQUENCE"]) == 2


def test_pending_not_told_of_change():
    e = make_event(title="Quiet change", requires_approval=True, capacity=3)
    u, t = new_user("quiet@example.org")
    register(e["id"], t)
    one_mail("quiet@example.org", "awaiting approval")
    assert s.post("/api/v1/events/%d/cancel" % e["id"],
                  token=coord).status == 200
    sink.wait(all_sent, 30, "outbox drained")
    assert len(mails("quiet@example.org")) == 1


def test_certificate_issued():
    r = s.post("/api/v1/courses", {"slug": "mail-course", "title":
                                   "Interviewing skills", "summary": "x",
                                   "audience": ["all"], "published": True},
               token=coord)
    assert r.status == 201, r
    cid = r.json["id"]
    r = s.post("/api/v1/courses/%d/modules" % cid,
               {"title": "Lesson", "kind": "lesson", "body_md": "Text."},
               token=coord)
    assert r.status == 201, r
    mid = r.json["id"]
    u, t = new_user("cert@example.org", "Cert Holder", "lt")
    assert s.post("/api/v1/enrollments", {"course_id": cid},
                  token=t).status in (200, 201)
    assert s.post("/api/v1/modules/%d/complete" % mid, token=t).status == 200
    code = s.sql("SELECT code FROM certificates WHERE user_id = :'v1'", u)
    m = one_mail("cert@example.org", "Išduotas pažymėjimas: "
                 "Interviewing skills")
    text, html = check_mime(m, "cert@example.org", "lt")
    link = "%s/verify/%s" % (PUBLIC, code)
    assert link in text and 'href="%s"' % link in html, text


def test_nominated():
    # The nominations of §15 add registrations.nominated_by in a later
    # migration; the trigger reads it whether or not the column exists.
    s.sql("ALTER TABLE registrations ADD COLUMN IF NOT EXISTS nominated_by "
          "bigint REFERENCES users")
    e = make_event(title="Nominated seminar", capacity=3)
    u, t = new_user("nominee@example.org", "Nominee")
    s.sql("INSERT INTO registrations (event_id, user_id, status, "
          "nominated_by) VALUES (:'v1', :'v2', 'confirmed', :'v3')",
          e["id"], u, coord_id)
    m = one_mail("nominee@example.org", "You have been nominated: "
                 "Nominated seminar")
    text, _ = check_mime(m, "nominee@example.org", "en")
    assert "Coordinator nominated you" in text and "confirmed" in text, text
    sink.wait(all_sent, 30, "outbox drained")
    assert len(mails("nominee@example.org")) == 1


def test_header_injection():
    evil = "Eve\r\nBcc: victim@example.org\r\nX-Evil: 1"
    u, t = new_user("eve@example.org", "Eve")
    # Both through the API: her own name, and a coordinator's title.
    assert s.patch("/api/v1/users/%d" % u, {"name": evil},
                   token=t).status == 200
    e = make_event(title="Plain title")
    assert s.patch("/api/v1/events/%d" % e["id"], {
        "title": "Trap\r\nBcc: victim@example.org\nSubject: forged"},
        token=coord).status == 200
    register(e["id"], t)
    sink.wait(lambda: len(mails("eve@example.org")) == 1, 30, "eve's mail")
    [(rcpt, m, raw, _)] = sink.parsed("eve@example.org")
    assert rcpt == ["eve@example.org"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        assert not re.match(rb"^(Bcc|X-Evil|Subject: forged)", line), head
    assert head.count(b"\r\nSubject:") == 1 and b"\n\n" not in head
    assert m["Bcc"] is None and m["X-Evil"] is None
    assert str(m["Subject"]) == ("Registration confirmed: Trap  Bcc: "
                                 "victim@example.org Subject: forged")
    # Python folds the double space; the point is one address, eve's.
    [to] = m["To"].addresses
    assert to.addr_spec == "eve@example.org", to
    assert to.display_name.startswith("Eve") and "Bcc" in to.display_name
    assert not any("victim" in r for r, _, _, _ in sink.parsed())


def test_rolled_back_change_sends_nothing():
    e = make_event(title="Rollback", capacity=5)
    u, t = new_user("rollback@example.org")
    s.sql("BEGIN; SELECT mt_register(:'v1', :'v2', :'v2'); ROLLBACK;",
          e["id"], u)
    assert outbox_rows("rollback@example.org") == 0
    # A later committed change does arrive (and only it).
    register(e["id"], t)
    one_mail("rollback@example.org", "Registration confirmed: Rollback")
    sink.wait(all_sent, 30, "outbox drained")
    assert len(mails("rollback@example.org")) == 1


def reset_link(addr, n):
    """The token of the nth mail to addr (who receives reset mail only)."""
    sink.wait(lambda: len(mails(addr)) >= n, 30, "reset mail")
    m = mails(addr)[n - 1]
    text = m.get_body(("plain",)).get_content()
    found = re.search(re.escape(PUBLIC) + r"/reset#([A-Za-z0-9_-]{43})\b",
                      text)
    assert found, text
    return found.group(1)


def test_password_reset():
    u, t = new_user("reset@example.org", "Reset Me")
    t2 = s.login("reset@example.org")
    known = s.post("/api/v1/auth/password-reset", {"email": "reset@example.org"})
    unknown = s.post("/api/v1/auth/password-reset",
                     {"email": "nobody@example.org"})
    assert known.status == unknown.status == 202
    assert known.body == unknown.body
    assert known.header("Content-Type") == unknown.header("Content-Type")
    token = reset_link("reset@example.org", 1)
    # Only the hash is stored; the sent body forgets the link.
    sink.wait(all_sent, 30, "outbox drained")
    assert s.sql("SELECT count(*) FROM password_resets WHERE user_id = "
                 ":'v1' AND length(token_hash) = 32 AND position(convert_to("
                 ":'v2', 'UTF8') IN token_hash) = 0", u, token) == "1"
    assert s.sql("SELECT count(*) FROM mail_outbox WHERE kind = "
                 "'password_reset' AND body_text IS NOT NULL AND status = "
                 "'sent'") == "0"
    problem(s.post("/api/v1/auth/password-reset/confirm",
                   {"token": token, "new_password": "short"}), 422)
    r = s.post("/api/v1/auth/password-reset/confirm",
               {"token": token, "new_password": "a new long password"})
    assert r.status == 204, r
    # Every session is revoked; the new password works, the old does not.
    problem(s.get("/api/v1/auth/me", token=t), 401)
    problem(s.get("/api/v1/auth/me", token=t2), 401)
    s.login("reset@example.org", "a new long password")
    problem(s.post("/api/v1/auth/login", {"email": "reset@example.org",
                                          "password": PASSWORD}), 401)
    # Used once: the second time is 400, as are unknown tokens.
    problem(s.post("/api/v1/auth/password-reset/confirm",
                   {"token": token, "new_password": "another long one"}), 400)
    problem(s.post("/api/v1/auth/password-reset/confirm",
                   {"token": "x" * 43, "new_password": "another long one"}),
            400)
    problem(s.post("/api/v1/auth/password-reset/confirm",
                   {"token": "bad", "new_password": "another long one"}), 400)
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = "
                 "'user.password_reset' AND object_id = :'v1'", u) == "1"


def test_password_reset_expired_and_limit():
    u, t = new_user("limit@example.org", "Limit", "lt")
    for _ in range(4):
        r = s.post("/api/v1/auth/password-reset",
                   {"email": "LIMIT@example.org"})
        assert r.status == 202, r
    token = reset_link("limit@example.org", 3)
    sink.wait(all_sent, 30, "outbox drained")
    # The 4th request in the hour sent nothing.
    assert len(mails("limit@example.org")) == 3
    assert outbox_rows("limit@example.org") == 3
    m = mails("limit@example.org")[0]
    assert str(m["Subject"]) == "Slaptažodžio keitimas"
    s.sql("UPDATE password_resets SET expires_at = now() - interval '1 second'"
          " WHERE user_id = :'v1'", u)
    problem(s.post("/api/v1/auth/password-reset/confirm",
                   {"token": token, "new_password": "a new long password"}),
            400)
    assert s.get("/api/v1/auth/me", token=t).status == 200


def test_password_reset_compatibility_forms():
    """An address typed with fullwidth letters is the same account for a
    reset as it is for logging in (NFKC, as in issue 18)."""
    new_user("nfkc@example.org", "Nfkc")
    r = s.post("/api/v1/auth/password-reset",
               {"email": "\uff4efkc@example.org"})   # fullwidth n
    assert r.status == 202, r
    token = reset_link("nfkc@example.org", 1)
    assert s.post("/api/v1/auth/password-reset/confirm",
                  {"token": token, "new_password": "a new long password"}
                  ).status == 204
    s.login("nfkc@example.org", "a new long password")


def test_self_profile():
    u, t = new_user("self@example.org", "Self")
    r = s.patch("/api/v1/users/%d" % u, {"name": "Self Renamed",
                                          "language": "lt"}, token=t)
    assert r.status == 200 and r.json["name"] == "Self Renamed" and \
        r.json["language"] == "lt", r
    assert s.get("/api/v1/auth/me", token=t).json["language"] == "lt"
    problem(s.patch("/api/v1/users/%d" % u, {"role": "admin"}, token=t), 403)
    problem(s.patch("/api/v1/users/%d" % u, {"active": False}, token=t), 403)
    problem(s.patch("/api/v1/users/%d" % en_id, {"name": "X"}, token=t), 403)
    problem(s.patch("/api/v1/users/%d" % u, {"language": "de"}, token=t), 422)
    problem(s.patch("/api/v1/users/%d" % u, {}, token=t), 422)
    r = s.patch("/api/v1/users/%d" % u, {"language": "en"}, token=admin)
    assert r.status == 200 and r.json["language"] == "en", r


def test_outbox_view():
    sink.wait(all_sent, 30, "outbox drained")
    r = s.get("/api/v1/outbox?status=sent&limit=5", token=admin)
    assert r.status == 200, r
    assert len(r.json["items"]) == 5 and r.json["next"]
    for it in r.json["items"]:
        assert set(it) == {"id", "to", "subject", "kind", "status", "attempts",
                           "created_at", "sent_at", "last_error"}, it
        assert it["status"] == "sent" and it["sent_at"] and it["attempts"] == 1
    r2 = s.get("/api/v1/outbox?status=sent&limit=5&after=" + r.json["next"],
               token=admin)
    assert r2.status == 200 and r2.json["items"][0]["id"] < \
        r.json["items"][-1]["id"]
    assert s.get("/api/v1/outbox?status=failed", token=admin).json["items"] \
        == []
    problem(s.get("/api/v1/outbox", token=en), 403)
    problem(s.get("/api/v1/outbox?status=lost", token=admin), 400)
    problem(s.get("/api/v1/outbox"), 401)


def test_calendar_feed():
    u, t = new_user("feed@example.org", "Feed")
    e = make_event(title="Feed seminar", capacity=5)
    register(e["id"], t)
    r = s.post("/api/v1/me/calendar-feed", token=t)
    assert r.status == 201, r
    url = r.json["url"]
    assert re.match(re.escape(PUBLIC) + r"/api/v1/calendar/[A-Za-z0-9_-]{43}"
                    r"\.ics$", url), url
    path = url[len(PUBLIC):]
    g = s.get(path)                                   # no login
    assert g.status == 200 and g.header("Content-Type").startswith(
        "text/calendar"), g
    cal = icalendar.Calendar.from_ical(g.body)
    mine = icalendar.Calendar.from_ical(s.get("/api/v1/me/calendar",
                                              token=t).body)
    assert [str(v["SUMMARY"]) for v in cal.walk("VEVENT")] == ["Feed seminar"]
    assert [str(v["UID"]) for v in cal.walk("VEVENT")] == \
        [str(v["UID"]) for v in mine.walk("VEVENT")]
    # A new URL replaces the old one.
    r2 = s.post("/api/v1/me/calendar-feed", token=t)
    path2 = r2.json["url"][len(PUBLIC):]
    problem(s.get(path), 404)
    assert s.get(path2).status == 200
    assert s.delete("/api/v1/me/calendar-feed", token=t).status == 204
    problem(s.get(path2), 404)
    # A deactivated owner's feed is gone too.
    path3 = s.post("/api/v1/me/calendar-feed", token=t).json["url"][len(PUBLIC):]
    assert s.get(path3).status == 200
    assert s.patch("/api/v1/users/%d" % u, {"active": False},
                   token=admin).status == 200
    problem(s.get(path3), 404)
    problem(s.get("/api/v1/calendar/%s.ics" % ("A" * 43)), 404)
    problem(s.get("/api/v1/calendar/short.ics"), 404)
    problem(s.get("/api/v1/calendar/%s" % ("A" * 43)), 404)
    problem(s.post("/api/v1/me/calendar-feed"), 401)


def enqueue(server, n, tag):
    """n messages in one transaction, straight through the SQL function."""
    server.sql("SELECT mt_mail_enqueue(u.id, 'password_reset',"
               " jsonb_build_object('link', :'v1' || '-' || g))"
               "  FROM generate_series(1, :'v2') g, users u"
               " WHERE u.email = 'admin@example.org'", tag, n)


def delivered_links(snk, tag):
    out = []
    for _, m, _, _ in snk.parsed():
        text = m.get_body(("plain",)).get_content()
        out += re.findall(re.escape(tag) + r"-\d+", text)
    return out


def test_smtp_down_then_up_and_give_up():
    down = Sink()                                     # not started yet
    b = Server("mail_down", env={
        "MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % down.port,
        "MIGTRAIN_MAIL_FROM": "noreply@example.org"}).start()
    try:
        b.bootstrap()
        enqueue(b, 5, "down")
        down.wait(lambda: b.sql("SELECT count(*) FROM mail_outbox WHERE "
                                "attempts >= 1 AND last_error IS NOT NULL "
                                "AND status = 'pending'") == "5",
                  30, "failed attempts")
        # One message older than a day is given up on its next attempt.
        s_id = b.sql("SELECT min(id) FROM mail_outbox")
        b.sql("UPDATE mail_outbox SET created_at = now() - interval '25 "
              "hours', next_attempt_at = now() WHERE id = :'v1'", s_id)
        down.wait(lambda: b.sql("SELECT status FROM mail_outbox WHERE id = "
                                ":'v1'", s_id) == "failed", 30, "give up")
        tok = b.login("admin@example.org")
        f = b.get("/api/v1/outbox?status=failed", token=tok).json["items"]
        assert [str(x["id"]) for x in f] == [s_id] and f[0]["last_error"]
        down.start()
        down.wait(lambda: len(delivered_links(down, "down")) >= 4, 60,
                  "the queue after SMTP came back")
        down.wait(lambda: b.sql("SELECT count(*) FROM mail_outbox WHERE "
                                "status = 'sent'") == "4", 30, "all sent")
        assert sorted(delivered_links(down, "down")) == \
            sorted("down-%d" % i for i in range(2, 6))
    finally:
        assert b.close() == 0
        down.stop()


def test_two_servers_send_each_once():
    snk = Sink().start()
    env = {"MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % snk.port,
           "MIGTRAIN_MAIL_FROM": "noreply@example.org"}
    c1 = Server("mail_two", env=env).start()
    c2 = Server("mail_two_b", env=env, migrate=False, conninfo=c1.db).start()
    try:
        c1.bootstrap()
        enqueue(c1, 200, "pair")
        snk.wait(lambda: all_sent(c1), 120, "200 messages sent")
        links = delivered_links(snk, "pair")
        assert len(links) == 200 and len(set(links)) == 200, len(links)
        assert snk.count() == 200
    finally:
        c2.stop()
        assert c1.close() == 0
        snk.stop()


def test_sigterm_mid_queue():
    snk = Sink().start()
    env = {"MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % snk.port,
           "MIGTRAIN_MAIL_FROM": "noreply@example.org"}
    c = Server("mail_term", env=env).start()
    try:
        c.bootstrap()
        enqueue(c, 100, "term")
        snk.wait(lambda: snk.count() >= 1, 30, "first message")
        assert c.stop() == 0                     # SIGTERM mid-queue
        c.start()
        snk.wait(lambda: all_sent(c), 60, "the rest after restart")
        links = delivered_links(snk, "term")
        assert len(links) == 100 and len(set(links)) == 100, len(links)
    finally:
        assert c.close() == 0
        snk.stop()


def test_starttls_and_auth():
    snk = Sink(tls=True, user="mailer", password="s3cret").start()
    env = {"MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % snk.port,
           "MIGTRAIN_SMTP_USER": "mailer", "MIGTRAIN_SMTP_PASSWORD": "s3cret",
           "MIGTRAIN_SMTP_CA_FILE": snk.cert,
           "MIGTRAIN_MAIL_FROM": "noreply@example.org"}
    c = Server("mail_tls", env=env).start()
    try:
        c.bootstrap()
        enqueue(c, 3, "tls")
        snk.wait(lambda: len(delivered_links(snk, "tls")) == 3, 30,
                 "mail over STARTTLS")
        assert all(tls for _, _, _, tls in snk.parsed())
    finally:
        assert c.close() == 0
        snk.stop()
    # Without the CA the self-signed certificate is refused, not ignored.
    snk = Sink(tls=True).start()
    c = Server("mail_tls_bad", env={
        "MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % snk.port,
        "MIGTRAIN_MAIL_FROM": "noreply@example.org"}).start()
    try:
        c.bootstrap()
        enqueue(c, 1, "untrusted")
        snk.wait(lambda: c.sql("SELECT count(*) FROM mail_outbox WHERE "
                               "last_error IS NOT NULL") == "1", 30,
                 "a refused certificate")
        assert snk.count() == 0
    finally:
        assert c.close() == 0
        snk.stop()


def test_no_smtp_url_keeps_pending():
    c = Server("mail_none").start()
    try:
        c.bootstrap()
        enqueue(c, 2, "none")
        assert "MIGTRAIN_SMTP_URL is not set" in c.logtext()
        assert c.sql("SELECT count(*) FROM mail_outbox WHERE status = "
                     "'pending' AND attempts = 0") == "2"
    finally:
        assert c.close() == 0


run(test_registration_kinds, test_event_change_and_cancel,
    test_pending_not_told_of_change, test_certificate_issued, test_nominated,
    test_header_injection, test_rolled_back_change_sends_nothing,
    test_password_reset, test_password_reset_expired_and_limit,
    test_password_reset_compatibility_forms, test_self_profile, test_outbox_view, test_calendar_feed,
    test_smtp_down_then_up_and_give_up, test_two_servers_send_each_once,
    test_sigterm_mid_queue, test_starttls_and_auth,
    test_no_smtp_url_keeps_pending)
sink.stop()
finish(s)
