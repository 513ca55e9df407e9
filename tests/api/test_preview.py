"""POST /api/v1/markdown/preview: the lesson editor's preview renders
through the same sanitiser as a stored lesson (the same HTML a lesson with
that body serves), stores nothing, and is for staff only."""
from harness import Server, problem, run, finish

s = Server("preview").start()
admin = s.bootstrap()
org = s.org(admin, "Preview org")
_, coord = s.user(admin, "coord@example.org", "coordinator", org)
_, reviewer = s.user(admin, "rev@example.org", "reviewer", org)
_, trainee = s.user(admin, "tr@example.org", "trainee", org)

MD = ("# Title\n\n<script>alert(1)</script>\n\n**bold** "
      "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>\n")


def test_preview_is_the_stored_rendering():
    r = s.post("/api/v1/markdown/preview", {"body_md": MD}, token=coord)
    assert r.status == 200, r
    html = r.json["body_html"]
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html, html
    for bad in ("<script", "javascript:", "onerror", "<img"):
        assert bad not in html, html
    c = s.post("/api/v1/courses", {"slug": "preview-course", "title": "P",
               "summary": "s", "audience": ["all"], "language": "en"}, token=coord)
    assert c.status == 201, c
    m = s.post("/api/v1/courses/%d/modules" % c.json["id"],
               {"title": "L", "kind": "lesson", "body_md": MD}, token=coord)
    assert m.status == 201, m
    mid = m.json["id"]
    g = s.get("/api/v1/modules/%d" % mid, token=coord)
    assert g.json["body_html"] == html
    assert s.post("/api/v1/markdown/preview", {"body_md": ""}, token=admin).json["body_html"] == ""


def test_preview_rejects_bad_input_and_non_staff():
    problem(s.post("/api/v1/markdown/preview", {"body_md": MD}, token=reviewer), 403)
    problem(s.post("/api/v1/markdown/preview", {"body_md": MD}, token=trainee), 403)
    problem(s.post("/api/v1/markdown/preview", {"body_md": MD}), 401)
    problem(s.post("/api/v1/markdown/preview", {}, token=coord), 422)
    problem(s.post("/api/v1/markdown/preview", {"body_md": 3}, token=coord), 422)
    problem(s.post("/api/v1/markdown/preview", {"body_md": "x", "other": 1}, token=coord), 422)
    problem(s.post("/api/v1/markdown/preview", {"body_md": "x" * (2 * 1024 * 1024)}, token=coord), 413)


run(test_preview_is_the_stored_rendering, test_preview_rejects_bad_input_and_non_staff)
finish(s)
