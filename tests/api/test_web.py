"""The web application as HTTP (API §12): the app's HTML for / and every
client route, the exact security headers on HTML, content-hashed assets
cached for a year (plain and gzip), and no web answer under /api/."""
import gzip
import re

from harness import Server, problem, run, finish

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")

s = Server("web").start()


def html_ok(r):
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/html; charset=utf-8", r.headers
    assert r.header("Content-Security-Policy") == CSP, r.headers
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("Referrer-Policy") == "same-origin"
    assert "unsafe" not in r.header("Content-Security-Policy")
    return r.text


def assets(page):
    return re.findall(r'(?:src|href)="(/app/[^"]+)"', page)


def test_app_routes_answer_the_html():
    page = html_ok(s.get("/"))
    for path in ("/courses", "/courses/12", "/courses/12/modules/3",
                 "/verify/ABC123", "/login?next=%2Fevents", "/no/such/screen"):
        assert html_ok(s.get(path)) == page, path
    assert s.request("HEAD", "/events").status == 200
    # Nothing in the page comes from another origin.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), page
    assert '<script type="module" src="/app/' in page


def test_assets_are_hashed_immutable_and_gzipped():
    names = assets(html_ok(s.get("/")))
    kinds = {n.rsplit(".", 1)[1] for n in names}
    assert kinds == {"js", "css", "svg"}, names
    for n in names:
        assert re.match(r"/app/[a-z]+-[A-Za-z0-9]{8}\.(js|css|svg)$", n), n
        plain = s.get(n)
        assert plain.status == 200, (n, plain)
        assert plain.header("Cache-Control") == "public, max-age=31536000, immutable"
        assert plain.header("X-Content-Type-Options") == "nosniff"
        assert plain.header("Content-Encoding") is None
        z = s.get(n, headers={"Accept-Encoding": "gzip, deflate"})
        assert z.header("Content-Encoding") == "gzip"
        assert gzip.decompress(z.body) == plain.body
        assert "Accept-Encoding" in z.header("Vary")
    js = [n for n in names if n.endswith(".js")][0]
    assert s.get(js).header("Content-Type").startswith("text/javascript")
    # No eval-like constructs would survive the CSP anyway; keep them out.
    assert b"new Function(" not in s.get(js).body


def test_unknown_assets_and_api_paths_stay_problems():
    problem(s.get("/app/main-00000000.js"), 404)
    problem(s.get("/app/"), 404)
    problem(s.get("/api/v1/nothing"), 404)
    problem(s.get("/api/nothing"), 404)
    problem(s.get("/%ff%fe"), 404)      # not UTF-8: no screen of the app
    r = s.post("/courses", {})
    assert r.status in (404, 405), r
    assert r.header("Content-Type") == "application/problem+json"


def test_html_is_not_cached_blindly():
    r = s.get("/")
    assert r.header("Cache-Control") == "no-cache", r.headers


run(test_app_routes_answer_the_html, test_assets_are_hashed_immutable_and_gzipped,
    test_unknown_assets_and_api_paths_stay_problems, test_html_is_not_cached_blindly)
finish(s)
