"""Learning additions (API §17): printable PDF certificates read back with
poppler (pdftotext, pdftoppm) and zbar (zbarimg), revoked and unknown ones;
question draws over 200 attempts; answer validation naming the question;
attempts used and left and the attempts list, scoped as records; module
states and certificate codes in enrolments and submit answers; `draw` in
course.json for import-content; each question's GIFT format."""
import datetime
import json
import os
import subprocess
import tempfile
import time
import urllib.parse

from harness import Server, problem, run, finish

PUBLIC = "https://train.example.org"
ISSUER = "State Border Guard Training Centre"
s = Server("learning", env={"MIGTRAIN_PUBLIC_URL": PUBLIC + "/",
                            "MIGTRAIN_ISSUER_NAME": ISSUER}).start()
admin = s.bootstrap()
org = s.org(admin, "Border Guard Service")
other = s.org(admin, "Migration Department")
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", org)
tr_id, tr = s.user(admin, "zydrune@example.org", "trainee", org,
                   name="Žydrūnė Šalčiūtė")
tr2_id, tr2 = s.user(admin, "jonas@example.org", "trainee", org)
rev_id, rev = s.user(admin, "rev@example.org", "reviewer", org)
rev2_id, rev2 = s.user(admin, "rev2@example.org", "reviewer", other)
_n = [0]


def course(title="Course", lessons=1, published=True):
    _n[0] += 1
    r = s.post("/api/v1/courses", {"slug": "learning-%d" % _n[0],
                                   "title": title, "audience": ["all"],
                                   "published": published}, token=coord)
    assert r.status == 201, r
    cid = r.json["id"]
    mids = []
    for i in range(lessons):
        r = s.post("/api/v1/courses/%d/modules" % cid,
                   {"title": "Lesson %d" % (i + 1), "kind": "lesson",
                    "body_md": "Text."}, token=coord)
        assert r.status == 201, r
        mids.append(r.json["id"])
    return cid, mids


def enrol(token, cid):
    r = s.post("/api/v1/enrollments", {"course_id": cid}, token=token)
    assert r.status in (200, 201), r
    return r.json


def import_quiz(gift, cid=None, **q):
    params = dict(title="Quiz")
    if cid:
        params["course_id"] = cid
    params.update(q)
    r = s.post("/api/v1/quizzes/import?" + urllib.parse.urlencode(params),
               token=coord, raw=gift.encode(),
               content_type="text/plain; charset=utf-8")
    assert r.status == 201, r
    return r.json


def bank(n):
    """n single-choice questions; question i's right answer is "right i"."""
    return "\n".join("::q%d::Question %d? {=right %d ~wrong %d ~other %d}\n"
                     % (i, i, i, i, i) for i in range(1, n + 1))


def right_choice(q):
    for c in q["choices"]:
        if c["text"].startswith("right"):
            return c["id"]
    raise AssertionError(q)


def start(qid, token=tr, want=201):
    r = s.post("/api/v1/quizzes/%d/attempts" % qid, token=token)
    assert r.status == want, r
    return r.json


def put_answers(aid, answers, token=tr):
    return s.put("/api/v1/attempts/%d/answers" % aid, {"answers": answers},
                 token=token)


def submit(aid, token=tr):
    r = s.post("/api/v1/attempts/%d/submit" % aid, token=token)
    assert r.status == 200, r
    return r.json


def complete_course(token, cid, mids):
    enrol(token, cid)
    for m in mids:
        r = s.post("/api/v1/modules/%d/complete" % m, token=token)
        assert r.status == 200, r
    return r.json


def fetch_pdf(code, server=s):
    r = server.get("/api/v1/certificates/%s/pdf" % code)
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/pdf", r.headers
    assert r.body.startswith(b"%PDF-"), r.body[:20]
    return r.body


def pdf_text(data):
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data,
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_qr(data):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.pdf")
        with open(path, "wb") as f:
            f.write(data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1",
                        path, os.path.join(d, "page")], check=True,
                       capture_output=True)
        pngs = [p for p in os.listdir(d) if p.endswith(".png")]
        assert len(pngs) == 1, pngs
        out = subprocess.run(["zbarimg", "-q", "--raw",
                              os.path.join(d, pngs[0])],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()


def printed_date(ts):
    d = datetime.datetime.strptime(ts[:10], "%Y-%m-%d")
    return "%d %s %d" % (d.day, d.strftime("%B"), d.year)


def test_pdf_certificate():
    cid, mids = course("Schengen border checks: refusal of entry", lessons=2)
    e = complete_course(tr, cid, mids)
    code = e["certificate_code"]
    assert code and len(code) == 12, e
    data = fetch_pdf(code)
    text = pdf_text(data)
    for want in ("Žydrūnė Šalčiūtė", "Schengen border checks: refusal of entry",
                 "Completed on " + printed_date(e["completed_at"]), code,
                 ISSUER):
        assert want in text, (want, text)
    assert "REVOKED" not in text
    assert pdf_qr(data) == PUBLIC + "/verify/" + code
    # A4 landscape, one page, fonts embedded.
    info = dict((k.strip(), v.strip()) for k, v in (
        line.split(":", 1) for line in subprocess.run(
            ["pdfinfo", "-"], input=data, capture_output=True,
            check=True).stdout.decode().splitlines() if ":" in line))
    assert info["Pages"] == "1", info
    assert info["Page size"] == "841.89 x 595.28 pts (A4)", info
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True,
                           check=True).stdout.decode().splitlines()[2:]
    assert fonts and all(" yes yes " in f and "DejaVu" in f for f in fonts), fonts
    # The code as people type it names the same certificate.
    typed = code.lower()[:4] + "-" + code.lower()[4:]
    assert code in pdf_text(fetch_pdf(typed))


def test_pdf_revoked():
    cid, mids = course("Document security")
    code = complete_course(tr, cid, mids)["certificate_code"]
    assert "REVOKED" not in pdf_text(fetch_pdf(code))
    r = s.post("/api/v1/certificates/%s/revoke" % code,
               {"reason": "Issued in error"}, token=coord)
    assert r.status == 200, r
    data = fetch_pdf(code)
    text = pdf_text(data)
    assert "REVOKED on" in text and "no longer valid" in text, text
    assert "Žydrūnė Šalčiūtė" in text and code in text
    # Still scannable, so a phone finds out it is revoked.
    assert pdf_qr(data) == PUBLIC + "/verify/" + code


def test_pdf_unknown_404():
    problem(s.get("/api/v1/certificates/ZZZZZZZZZZZZ/pdf"), 404)
    problem(s.get("/api/v1/certificates/%s/pdf" % ("A" * 300)), 404)
    problem(s.get("/api/v1/certificates/%C3%28/pdf"), 404)


def test_pdf_without_public_url():
    """Without MIGTRAIN_PUBLIC_URL the QR code holds the credential's id.
    This server runs in an empty environment (no HOME, PATH, LANG or
    XDG_*; only its own settings and the sanitizers'), as a bare service
    would: fontconfig must still find DejaVu."""
    cid, mids = course("Visa code")
    code = complete_course(tr2, cid, mids)["certificate_code"]
    bare = Server("learning_bare", migrate=False, conninfo=s.db)
    bare.env = dict((k, v) for k, v in bare.env.items()
                    if k.startswith(("MIGTRAIN_DB", "MIGTRAIN_LISTEN",
                                     "MIGTRAIN_THREADS", "MIGTRAIN_KEY_FILE",
                                     "ASAN_", "LSAN_", "UBSAN_")))
    bare.start()
    try:
        data = fetch_pdf(code, bare)
        assert pdf_qr(data) == "urn:migtrain:certificate:" + code
        assert "Issued by migtrain" in pdf_text(data)
        fonts = subprocess.run(["pdffonts", "-"], input=data,
                               capture_output=True, check=True)
        rows = fonts.stdout.decode().splitlines()[2:]
        assert rows and all("DejaVu" in f for f in rows), rows
    finally:
        assert bare.stop() == 0
        bare.log.close()


def test_draws():
    cid, _ = course("Draws", lessons=0)
    q = import_quiz(bank(20), cid, max_attempts=0, pass_percent=100)
    qid = q["id"]
    assert q["draw"] == 0 and q["question_count"] == 20
    problem(s.patch("/api/v1/quizzes/%d" % qid, {"draw": 21}, token=coord), 422)
    problem(s.patch("/api/v1/quizzes/%d" % qid, {"draw": -1}, token=coord), 422)
    problem(s.patch("/api/v1/quizzes/%d" % qid, {"draw": "5"}, token=coord), 422)
    r = s.patch("/api/v1/quizzes/%d" % qid, {"draw": 5}, token=coord)
    assert r.status == 200 and r.json["draw"] == 5, r
    enrol(tr, cid)
    seen = {}
    for i in range(200):
        att = start(qid)
        ids = [x["id"] for x in att["questions"]]
        assert len(ids) == 5 and len(set(ids)) == 5, ids
        assert all(1 <= x <= 20 for x in ids), ids
        for x in ids:
            seen[x] = seen.get(x, 0) + 1
        # Stored with the attempt: reading it gives the same draw.
        again = s.get("/api/v1/attempts/%d" % att["id"], token=tr).json
        if i % 20 == 0:
            assert again["questions"] == att["questions"]
            # A question outside the draw is not part of this attempt.
            outside = next(n for n in range(1, 21) if n not in ids)
            p = problem(put_answers(att["id"], [{"question_id": outside,
                                                 "choice_ids": [1]}]), 422)
            assert "question %d" % outside in p["detail"], p
        # Two right answers of five: graded on the drawn five only.
        qs = att["questions"]
        r = put_answers(att["id"], [
            {"question_id": qs[0]["id"], "choice_ids": [right_choice(qs[0])]},
            {"question_id": qs[1]["id"], "choice_ids": [right_choice(qs[1])]}])
        assert r.status == 204, r
        res = submit(att["id"])
        assert (res["score"], res["max_score"], res["percent"],
                res["passed"]) == (2, 5, 40, False), res
        if i % 50 == 0:
            review = s.get("/api/v1/attempts/%d" % att["id"], token=tr).json
            assert [x["id"] for x in review["questions"]] == ids
            assert [x["correct"] for x in review["questions"]] == \
                [True, True, False, False, False]
    # Together the draws cover the bank, each question about a quarter of
    # the time (expected 50 of 200; the bounds are beyond 5 sigma).
    assert sorted(seen) == list(range(1, 21)), seen
    assert all(15 <= n <= 90 for n in seen.values()), seen
    # The list pages through all 200, oldest first.
    got, after = [], ""
    while True:
        r = s.get("/api/v1/quizzes/%d/attempts?limit=200%s" % (qid, after),
                  token=tr)
        assert r.status == 200, r
        got += r.json["items"]
        if not r.json["next"]:
            break
        after = "&after=" + r.json["next"]
    assert len(got) == 200 and all(a["max_score"] == 5 for a in got)
    assert [a["id"] for a in got] == sorted(a["id"] for a in got)
    q = s.get("/api/v1/quizzes/%d" % qid, token=tr).json
    assert q["attempts_used"] == 200 and q["attempts_left"] is None, q
    # All questions again with draw 0.
    r = s.patch("/api/v1/quizzes/%d" % qid, {"draw": 0}, token=coord)
    assert r.status == 200 and r.json["draw"] == 0, r
    assert len(start(qid)["questions"]) == 20


VALIDATION_GIFT = """::single::Capital of France? {=Paris ~London ~Berlin}

::multi::Pick the primes. {~%50%Two ~%50%Three ~%-100%Four}

::tf::The sky is green. {F}

::short::Abbreviation of the Entry/Exit System? {=EES}

::num::How many months? {#3:0}

::match::Match the systems. {
=SIS -> alerts
=VIS -> visas
=EES -> entries
}
"""


def test_answer_validation():
    cid, _ = course("Validation", lessons=0)
    qid = import_quiz(VALIDATION_GIFT, cid)["id"]
    enrol(tr, cid)
    att = start(qid)
    by = {q["text"].split()[0]: q for q in att["questions"]}
    single, multi, tf = by["Capital"], by["Pick"], by["The"]
    short, num, match = by["Abbreviation"], by["How"], by["Match"]
    good = {"question_id": single["id"], "choice_ids": [single["choices"][0]["id"]]}
    cases = [
        (99, [{"question_id": 99, "choice_ids": [1]}]),
        (single["id"], [{"question_id": single["id"],
                         "choice_ids": [multi["choices"][0]["id"]]}]),
        (single["id"], [{"question_id": single["id"],
                         "choice_ids": [c["id"] for c in single["choices"][:2]]}]),
        (tf["id"], [{"question_id": tf["id"], "choice_ids": [1, 2]}]),
        (tf["id"], [{"question_id": tf["id"], "choice_ids": [3]}]),
        (multi["id"], [{"question_id": multi["id"],
                        "choice_ids": [multi["choices"][0]["id"]] * 2}]),
        (single["id"], [{"question_id": single["id"], "text": "Paris"}]),
        (short["id"], [{"question_id": short["id"], "choice_ids": [1]}]),
        (num["id"], [{"question_id": num["id"], "text": "3"}]),
        (match["id"], [{"question_id": match["id"], "number": 1}]),
        (match["id"], [{"question_id": match["id"],
                        "pairs": [["SIS", "nonsense"]]}]),
        # A bad answer after a good one: the whole request is refused.
        (short["id"], [good, {"question_id": short["id"], "number": 3}]),
    ]
    for want, answers in cases:
        p = problem(put_answers(att["id"], answers), 422)
        assert "question %d" % want in p["detail"], (answers, p)
    got = s.get("/api/v1/attempts/%d" % att["id"], token=tr).json
    assert got["saved_answers"] == [], got
    # Well-formed answers of every kind are saved.
    r = put_answers(att["id"], [
        good,
        {"question_id": multi["id"], "choice_ids": [c["id"] for c in multi["choices"][:2]]},
        {"question_id": tf["id"], "choice_ids": [2]},
        {"question_id": short["id"], "text": "ees"},
        {"question_id": num["id"], "number": 3},
        {"question_id": match["id"], "pairs": [["SIS", "alerts"], ["VIS", "visas"]]}])
    assert r.status == 204, r
    assert len(s.get("/api/v1/attempts/%d" % att["id"], token=tr).json["saved_answers"]) == 6


def test_attempts_used_left_and_list():
    cid, _ = course("Attempts", lessons=0)
    qid = import_quiz(bank(3), cid, max_attempts=3, pass_percent=100)["id"]
    enrol(tr, cid)
    q = s.get("/api/v1/quizzes/%d" % qid, token=tr).json
    assert (q["attempts_used"], q["attempts_left"]) == (0, 3), q
    assert s.get("/api/v1/quizzes/%d/attempts" % qid, token=tr).json == \
        {"items": [], "next": None}
    for n in range(1, 4):
        att = start(qid)
        q = s.get("/api/v1/quizzes/%d" % qid, token=tr).json
        assert (q["attempts_used"], q["attempts_left"]) == (n, 3 - n), q
        items = s.get("/api/v1/quizzes/%d/attempts" % qid, token=tr).json["items"]
        assert len(items) == n and items[-1]["id"] == att["id"]
        assert items[-1]["submitted_at"] is None and items[-1]["score"] is None
        assert items[-1]["max_score"] == 3
        qs = att["questions"]
        assert put_answers(att["id"], [{"question_id": x["id"],
                                        "choice_ids": [right_choice(x)]}
                                       for x in qs[:n]]).status == 204
        res = submit(att["id"])
        items = s.get("/api/v1/quizzes/%d/attempts" % qid, token=tr).json["items"]
        last = items[-1]
        assert set(last) == {"id", "user_id", "started_at", "deadline",
                             "submitted_at", "score", "max_score", "percent",
                             "passed"}, last
        assert last["submitted_at"] and last["score"] == n == res["score"]
        assert last["passed"] == (n == 3) and last["user_id"] == tr_id
    start(qid, want=409)
    q = s.get("/api/v1/quizzes/%d" % qid, token=tr).json
    assert (q["attempts_used"], q["attempts_left"]) == (3, 0), q
    # Another trainee: nothing used, and may not read the first one's.
    enrol(tr2, cid)
    q = s.get("/api/v1/quizzes/%d" % qid, token=tr2).json
    assert (q["attempts_used"], q["attempts_left"]) == (0, 3), q
    problem(s.get("/api/v1/quizzes/%d/attempts?user_id=%d" % (qid, tr_id),
                  token=tr2), 403)
    # Staff read anyone's, scoped as records.
    for token in (coord, admin, rev):
        r = s.get("/api/v1/quizzes/%d/attempts?user_id=%d" % (qid, tr_id),
                  token=token)
        assert r.status == 200 and len(r.json["items"]) == 3, r
    problem(s.get("/api/v1/quizzes/%d/attempts?user_id=%d" % (qid, tr_id),
                  token=rev2), 403)
    # Unknown or hidden quizzes are 404; a bad user_id is 400.
    problem(s.get("/api/v1/quizzes/999999/attempts", token=tr), 404)
    dcid, _ = course("Draft", lessons=0, published=False)
    dqid = import_quiz(bank(2), dcid)["id"]
    problem(s.get("/api/v1/quizzes/%d/attempts" % dqid, token=tr), 404)
    problem(s.get("/api/v1/quizzes/%d/attempts?user_id=x" % qid, token=tr), 400)
    problem(s.get("/api/v1/quizzes/%d/attempts" % qid), 401)


def test_enrollment_modules_and_certificate_code():
    cid, mids = course("Progress", lessons=2)
    q = import_quiz(bank(2), cid, pass_percent=100)
    e = enrol(tr, cid)
    order = mids + [q["module_id"]]
    assert [m["module_id"] for m in e["modules"]] == order, e
    assert all(m["done"] is False and m["done_at"] is None for m in e["modules"])
    assert e["certificate_code"] is None and e["progress"] == {"done": 0, "total": 3}
    r = s.post("/api/v1/modules/%d/complete" % mids[1], token=tr)
    assert r.status == 200, r
    e = r.json
    assert [m["done"] for m in e["modules"]] == [False, True, False], e
    assert e["modules"][1]["done_at"].endswith("Z")
    assert s.post("/api/v1/modules/%d/complete" % mids[0], token=tr).status == 200
    # A failed attempt leaves the quiz module open and no certificate.
    att = start(q["id"])
    res = submit(att["id"])
    assert res["passed"] is False and res["certificate_code"] is None, res
    att = start(q["id"])
    put_answers(att["id"], [{"question_id": x["id"], "choice_ids": [right_choice(x)]}
                            for x in att["questions"]])
    res = submit(att["id"])
    assert res["passed"] is True and res["certificate_code"], res
    assert submit(att["id"]) == res      # submitting again: the same answer
    items = s.get("/api/v1/enrollments?course_id=%d" % cid, token=tr).json["items"]
    assert len(items) == 1
    e = items[0]
    assert e["certificate_code"] == res["certificate_code"], e
    assert [m["done"] for m in e["modules"]] == [True, True, True], e
    assert e["completed_at"] and e["progress"] == {"done": 3, "total": 3}
    cert = s.get("/api/v1/certificates/" + res["certificate_code"]).json
    assert cert["holder_name"] == "Žydrūnė Šalčiūtė" and cert["valid"], cert
    # Staff see the same through the records scope.
    r = s.get("/api/v1/enrollments?course_id=%d&user_id=%d" % (cid, tr_id),
              token=coord)
    assert r.json["items"][0]["certificate_code"] == res["certificate_code"]


def test_question_format():
    gift = ("[html]<b>Bold</b> question? {=yes ~no}\n\n"
            "[markdown]**Markdown** question? {T}\n\n"
            "Plain moodle question? {=a ~b}\n")
    cid, _ = course("Formats", lessons=0)
    qid = import_quiz(gift, cid)["id"]
    enrol(tr, cid)
    att = start(qid)
    formats = sorted(q["format"] for q in att["questions"])
    assert formats == ["html", "markdown", "moodle"], att
    res = submit(att["id"])
    review = s.get("/api/v1/attempts/%d" % att["id"], token=tr).json
    assert sorted(q["format"] for q in review["questions"]) == formats, review
    assert res["max_score"] == 3


def write_course(root, slug, draw, nq):
    d = os.path.join(root, slug)
    os.makedirs(d)
    with open(os.path.join(d, "course.json"), "w") as f:
        json.dump({"title": "Imported " + slug, "summary": "S.", "audience": ["all"],
                   "language": "en", "estimated_minutes": 10,
                   "published": True,
                   "quiz": {"title": "Final quiz", "draw": draw}}, f, indent=2)
    with open(os.path.join(d, "01-intro.md"), "w") as f:
        f.write("# Intro\n\nText.\n")
    with open(os.path.join(d, "quiz.gift"), "w") as f:
        f.write(bank(nq))


def test_import_content_draw():
    with tempfile.TemporaryDirectory() as root:
        write_course(root, "too-many", 7, 6)
        out = s.cli("import-content", root, check=False)
        assert out.returncode != 0
        assert "course.json:" in out.stderr and '"draw" is 7' in out.stderr, out.stderr
    with tempfile.TemporaryDirectory() as root:
        write_course(root, "negative", -1, 6)
        out = s.cli("import-content", root, check=False)
        assert out.returncode != 0 and '"draw"' in out.stderr, out.stderr
    with tempfile.TemporaryDirectory() as root:
        write_course(root, "drawn", 3, 6)
        out = s.cli("import-content", root)
        assert out.returncode == 0, out.stderr
        qid = int(s.sql("SELECT m.quiz_id FROM modules m JOIN courses c"
                        " ON c.id = m.course_id WHERE c.slug = 'drawn'"
                        " AND m.kind = 'quiz'"))
        q = s.get("/api/v1/quizzes/%d" % qid, token=coord).json
        assert q["draw"] == 3 and q["question_count"] == 6, q
        assert len(start(qid, token=coord)["questions"]) == 3
        # A re-import with another draw updates it.
        with open(os.path.join(root, "drawn", "course.json")) as f:
            meta = json.load(f)
        meta["quiz"]["draw"] = 0
        with open(os.path.join(root, "drawn", "course.json"), "w") as f:
            json.dump(meta, f)
        assert s.cli("import-content", root).returncode == 0
        assert s.get("/api/v1/quizzes/%d" % qid, token=coord).json["draw"] == 0


run(test_pdf_certificate, test_pdf_revoked, test_pdf_unknown_404,
    test_pdf_without_public_url, test_draws, test_answer_validation,
    test_attempts_used_left_and_list,
    test_enrollment_modules_and_certificate_code, test_question_format,
    test_import_content_draw)
finish(s)
