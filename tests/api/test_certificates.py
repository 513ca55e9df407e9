"""Certificates (API §10): issue on completion, the Open Badges 3.0 VC-JWT
credential checked by an independent Ed25519 implementation (openssl 3
`pkeyutl -verify -rawin`), tampering, the JWKS, unique codes over many
issues, collisions, revocation, the key file and key rotation."""
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import tempfile
import time

from harness import Server, problem, run, finish

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{12}$")
SPKI_ED25519 = bytes.fromhex("302a300506032b6570032100")

s = Server("certificates").start()
admin = s.bootstrap()
office = int(s.sql("SELECT id FROM orgs"))
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", office)
tr_id, tr = s.user(admin, "amina@example.org", "trainee", office,
                   name="Amina Diallo")
tr2_id, tr2 = s.user(admin, "jonas@example.org", "trainee", office,
                     name="Jonas Berg")
_slug = [0]


def b64d(t):
    return base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def course(title, lessons=1, summary="Document checks at the border."):
    _slug[0] += 1
    r = s.post("/api/v1/courses", {"slug": "course-%d" % _slug[0],
                                   "title": title, "summary": summary,
                                   "audience": ["all"], "published": True},
               token=coord)
    assert r.status == 201, r
    cid = r.json["id"]
    mids = []
    for i in range(lessons):
        r = s.post("/api/v1/courses/%d/modules" % cid,
                   {"title": "Lesson %d" % (i + 1), "kind": "lesson",
                    "body_md": "# Lesson\n\nText."}, token=coord)
        assert r.status == 201, r
        mids.append(r.json["id"])
    return cid, mids


def enrol_and_complete(token, cid, mids):
    r = s.post("/api/v1/enrollments", {"course_id": cid}, token=token)
    assert r.status in (200, 201), r
    out = None
    for m in mids:
        out = s.post("/api/v1/modules/%d/complete" % m, token=token)
    return out


def cert_code(uid, cid):
    return s.sql("SELECT code FROM certificates WHERE user_id = :'v1' "
                 "AND course_id = :'v2'", uid, cid)


def jwks():
    r = s.get("/api/v1/certificates/keys")
    assert r.status == 200, r
    return r.json["keys"]


def openssl_verify(jws, jwk):
    """Ed25519 verification by openssl 3, from the JWKS key alone."""
    h, p, sig = jws.split(".")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "pub.der"), "wb") as f:
            f.write(SPKI_ED25519 + b64d(jwk["x"]))
        with open(os.path.join(d, "data"), "wb") as f:
            f.write(("%s.%s" % (h, p)).encode())
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(b64d(sig))
        out = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
             "-inkey", os.path.join(d, "pub.der"), "-rawin",
             "-in", os.path.join(d, "data"), "-sigfile", os.path.join(d, "sig")],
            capture_output=True, text=True)
    ok = out.returncode == 0 and "Signature Verified Successfully" in out.stdout
    assert ok or out.returncode != 0, out
    return ok


def verify_with_jwks(jws, keys=None):
    kid = json.loads(b64d(jws.split(".")[0]))["kid"]
    match = [k for k in (keys or jwks()) if k["kid"] == kid]
    assert len(match) == 1, (kid, keys)
    return openssl_verify(jws, match[0])


# One completed course for most tests.
cid_main, mids_main = course("Border Document Examination", lessons=2)
r = enrol_and_complete(tr, cid_main, mids_main)
assert r.status == 200 and r.json["completed_at"], r
CODE = cert_code(tr_id, cid_main)


def test_public_page_fields():
    r = s.get("/api/v1/certificates/" + CODE)          # no authentication
    assert r.status == 200, r
    c = r.json
    assert set(c) == {"code", "holder_name", "course_title", "issued_at",
                      "completed_at", "revoked_at", "valid", "credential"}, c
    assert c["code"] == CODE and CODE_RE.match(CODE)
    assert c["holder_name"] == "Amina Diallo"
    assert c["course_title"] == "Border Document Examination"
    assert c["valid"] is True and c["revoked_at"] is None
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", c["issued_at"])
    completed = s.sql("SELECT mt_ts(completed_at) FROM enrollments "
                      "WHERE user_id = :'v1' AND course_id = :'v2'",
                      tr_id, cid_main)
    assert c["completed_at"] == completed
    # Codes as people type them: lower case, hyphens, O for 0, I/L for 1.
    typed = CODE.lower()
    typed = typed[:4] + "-" + typed[4:8] + "-" + typed[8:]
    typed = typed.replace("0", "o").replace("1", "l")
    r = s.get("/api/v1/certificates/" + typed)
    assert r.status == 200 and r.json["code"] == CODE, r


def test_credential_is_ob3_vc_jwt_and_verifies():
    jws = s.get("/api/v1/certificates/" + CODE).json["credential"]
    h, p, sig = jws.split(".")
    header_raw = b64d(h)
    kid = json.loads(header_raw)["kid"]
    # The JOSE header holds exactly alg, kid and typ.
    assert header_raw == ('{"alg":"EdDSA","kid":"%s","typ":"JWT"}' % kid).encode()
    assert kid == s.sql("SELECT kid FROM certificates WHERE code = :'v1'", CODE)
    assert len(b64d(sig)) == 64
    cred = json.loads(b64d(p))
    assert cred["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cred["issuer"]["type"] == ["Profile"] and cred["issuer"]["name"]
    assert cred["id"].endswith(CODE)
    page = s.get("/api/v1/certificates/" + CODE).json
    assert cred["validFrom"] == page["issued_at"]
    subj = cred["credentialSubject"]
    assert subj["type"] == ["AchievementSubject"]
    assert subj["activityEndDate"] == page["completed_at"]
    assert subj["identifier"] == [{"type": "IdentityObject",
                                   "identityType": "name", "hashed": False,
                                   "identityHash": "Amina Diallo"}]
    ach = subj["achievement"]
    assert ach["type"] == ["Achievement"] and ach["id"]
    assert ach["name"] == "Border Document Examination"
    assert ach["description"] == "Document checks at the border."
    assert ach["criteria"]["narrative"]
    # VC-JWT registered claims mirror the credential (OB 3.0 §8.2).
    assert cred["iss"] == cred["issuer"]["id"]
    assert cred["jti"] == cred["id"]
    assert cred["sub"] == subj["id"]
    nbf = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cred["nbf"]))
    assert nbf == cred["validFrom"]
    assert "iat" not in cred and "exp" not in cred and "vc" not in cred
    assert verify_with_jwks(jws)


def test_tampered_payload_and_signature_rejected():
    jws = s.get("/api/v1/certificates/" + CODE).json["credential"]
    h, p, sig = jws.split(".")
    cred = json.loads(b64d(p))
    cred["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    forged = "%s.%s.%s" % (h, b64e(json.dumps(cred).encode()), sig)
    assert not verify_with_jwks(forged)
    raw = bytearray(b64d(sig))
    raw[10] ^= 0x01
    assert not verify_with_jwks("%s.%s.%s" % (h, p, b64e(bytes(raw))))
    # The untouched credential still verifies with the same verifier.
    assert verify_with_jwks(jws)


def test_jwks_shape():
    r = s.get("/api/v1/certificates/keys")             # no authentication
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    keys = r.json["keys"]
    assert set(r.json) == {"keys"} and len(keys) == 1, r.json
    for k in keys:
        assert set(k) == {"kty", "crv", "x", "kid", "use", "alg"}, k
        assert (k["kty"], k["crv"], k["use"], k["alg"]) == \
            ("OKP", "Ed25519", "sig", "EdDSA")
        assert len(b64d(k["x"])) == 32 and "=" not in k["x"]
        assert re.match(r"^[A-Za-z0-9_-]{11}$", k["kid"])
    # The secret seed of the key file is never published.
    with open(s.keyfile) as f:
        seeds = [l.split()[1] for l in f if l.strip() and not l.startswith("#")]
    assert not any(seed in r.text for seed in seeds)


def test_unknown_code_404():
    for code in ("ZZZZZZZZZZZZ", "x", "A" * 200, "%00", "%C3%28"):
        problem(s.get("/api/v1/certificates/" + code), 404)
    problem(s.post("/api/v1/certificates/ZZZZZZZZZZZZ/revoke",
                   {"reason": "x"}, token=coord), 404)


def test_no_certificate_for_incomplete_course():
    cid, mids = course("Consular Interviewing", lessons=2)
    r = s.post("/api/v1/enrollments", {"course_id": cid}, token=tr2)
    assert r.status == 201, r
    r = s.post("/api/v1/modules/%d/complete" % mids[0], token=tr2)
    assert r.status == 200 and r.json["completed_at"] is None, r
    assert s.sql("SELECT count(*) FROM certificates WHERE course_id = :'v1'",
                 cid) == "0"
    r = s.post("/api/v1/modules/%d/complete" % mids[1], token=tr2)
    assert r.status == 200 and r.json["completed_at"], r
    # Repeating a completion issues nothing more.
    r = s.post("/api/v1/modules/%d/complete" % mids[1], token=tr2)
    assert r.status == 200, r
    assert s.sql("SELECT count(*) FROM certificates WHERE course_id = :'v1'",
                 cid) == "1"
    # A course without modules is never complete.
    cid0, _ = course("Empty Course", lessons=0)
    s.post("/api/v1/enrollments", {"course_id": cid0}, token=tr2)
    assert s.sql("SELECT count(*) FROM certificates WHERE course_id = :'v1'",
                 cid0) == "0"


def test_unique_codes_over_many_issues():
    n = 200
    cid, mids = course("Asylum Procedures Basics", lessons=1)
    # Users and sessions by SQL: one reused password hash, tokens minted
    # here (the server keeps only their BLAKE2b-256), so no argon2id cost.
    s.sql("INSERT INTO users (email, name, role, org_id, password_hash) "
          "SELECT 'bulk' || i || '@example.org', 'Bulk Trainee ' || i, "
          "'trainee', :'v1', (SELECT password_hash FROM users WHERE id = :'v2') "
          "FROM generate_series(1, %d) i" % n, office, tr_id)
    ids = s.sql("SELECT id FROM users WHERE email LIKE 'bulk%' ORDER BY id").split()
    tokens = []
    values = []
    for uid in ids:
        t = secrets.token_urlsafe(32)
        tokens.append(t)
        values.append("(%s, '\\x%s')" % (uid, hashlib.blake2b(
            t.encode(), digest_size=32).hexdigest()))
    s.sql("INSERT INTO sessions (user_id, token_hash) VALUES " + ",".join(values))
    start = time.time()
    for t in tokens:
        r = enrol_and_complete(t, cid, mids)
        assert r.status == 200 and r.json["completed_at"], r
    elapsed = time.time() - start
    print("     %d enrol+complete with issue: %.2fs (%.1f ms each)"
          % (n, elapsed, 1000 * elapsed / n))
    rows = s.sql("SELECT code, credential FROM certificates "
                 "WHERE course_id = :'v1'", cid).split("\n")
    codes = [row.split("|")[0] for row in rows]
    assert len(codes) == n and len(set(codes)) == n
    assert all(CODE_RE.match(c) for c in codes)
    jtis = {json.loads(b64d(row.split("|")[1].split(".")[1]))["jti"]
            for row in rows}
    assert len(jtis) == n
    keys = jwks()
    for row in rows[::20]:
        assert verify_with_jwks(row.split("|")[1], keys)


def test_code_collision_retries():
    # Force the next inserts to reuse an existing code: ON CONFLICT makes
    # the server draw again inside the same transaction.
    s.sql("""
        CREATE TABLE t_collide (n int NOT NULL);
        INSERT INTO t_collide VALUES (3);
        CREATE FUNCTION t_collide() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (SELECT n FROM t_collide) > 0 THEN
                UPDATE t_collide SET n = n - 1;
                NEW.code := (SELECT code FROM certificates ORDER BY id LIMIT 1);
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER t_collide BEFORE INSERT ON certificates
            FOR EACH ROW EXECUTE FUNCTION t_collide();""")
    try:
        cid, mids = course("Collision Course", lessons=1)
        r = enrol_and_complete(tr2, cid, mids)
        assert r.status == 200 and r.json["completed_at"], r
        assert s.sql("SELECT n FROM t_collide") == "0"
        code = cert_code(tr2_id, cid)
        assert CODE_RE.match(code) and code != s.sql(
            "SELECT code FROM certificates ORDER BY id LIMIT 1")
        assert "certificate code collision" in s.logtext()
        # Always colliding: the completion fails as a whole, so there is
        # never a completed enrolment without its certificate.
        s.sql("UPDATE t_collide SET n = 1000")
        cid2, mids2 = course("Unlucky Course", lessons=1)
        r = enrol_and_complete(tr2, cid2, mids2)
        problem(r, 500)
        assert s.sql("SELECT completed_at IS NULL FROM enrollments "
                     "WHERE user_id = :'v1' AND course_id = :'v2'",
                     tr2_id, cid2) == "t"
        assert s.sql("SELECT count(*) FROM certificates WHERE course_id = "
                     ":'v1'", cid2) == "0"
    finally:
        s.sql("DROP TRIGGER t_collide ON certificates; "
              "DROP FUNCTION t_collide(); DROP TABLE t_collide;")


def test_revocation():
    cid, mids = course("Revocable Course", lessons=1)
    enrol_and_complete(tr2, cid, mids)
    code = cert_code(tr2_id, cid)
    path = "/api/v1/certificates/%s/revoke" % code
    problem(s.post(path, {"reason": "x"}), 401)
    problem(s.post(path, {"reason": "x"}, token=tr2), 403)
    problem(s.post(path, {}, token=coord), 422)
    problem(s.post(path, {"reason": "   "}, token=coord), 422)
    problem(s.post(path, {"reason": "x" * 501}, token=coord), 422)
    problem(s.post(path, {"reason": "x", "note": 1}, token=coord), 422)
    assert s.get("/api/v1/certificates/" + code).json["valid"] is True
    r = s.post(path, {"reason": "Issued in error"}, token=coord)
    assert r.status == 200, r
    assert r.json["code"] == code and r.json["valid"] is False
    assert r.json["revoked_at"] and r.json["revoke_reason"] == "Issued in error"
    page = s.get("/api/v1/certificates/" + code).json
    assert page["valid"] is False and page["revoked_at"] == r.json["revoked_at"]
    assert "revoke_reason" not in page
    audit = s.sql("SELECT actor_id, object_type, detail->>'code', "
                  "detail->>'reason' FROM audit_log "
                  "WHERE action = 'certificate.revoke'")
    assert audit == "%d|certificate|%s|Issued in error" % (coord_id, code), audit
    # Twice is a conflict; the first reason and time stand.
    problem(s.post(path, {"reason": "again"}, token=admin), 409)
    assert s.get("/api/v1/certificates/" + code).json["revoked_at"] == \
        page["revoked_at"]
    # The row itself refuses edits after issue.
    try:
        s.sql("UPDATE certificates SET holder_name = 'Someone Else' "
              "WHERE code = :'v1'", code)
        assert False, "holder_name changed"
    except RuntimeError:
        pass


def test_key_file_mode_0600():
    assert os.path.exists(s.keyfile)
    assert os.stat(s.keyfile).st_mode & 0o777 == 0o600
    # A key file others may read is refused, by rotate-key and the server.
    other = Server("certperm", migrate=True)
    try:
        assert "created" in other.cli("rotate-key").stdout
        assert os.stat(other.keyfile).st_mode & 0o777 == 0o600
        os.chmod(other.keyfile, 0o644)
        before = open(other.keyfile).read()
        out = other.cli("rotate-key", check=False)
        assert out.returncode != 0 and "chmod 600" in out.stderr, out
        assert open(other.keyfile).read() == before
        try:
            other.start()
        except RuntimeError:
            return                      # refused at start: fine too
        problem(other.get("/api/v1/certificates/keys"), 500)
        assert "signing keys unavailable" in other.logtext()
    finally:
        other.close()


def test_rotation_keeps_old_certificates_valid():
    old = s.get("/api/v1/certificates/" + CODE).json["credential"]
    old_kid = json.loads(b64d(old.split(".")[0]))["kid"]
    out = s.cli("rotate-key")
    assert "added key" in out.stdout, out
    assert os.stat(s.keyfile).st_mode & 0o777 == 0o600
    with open(s.keyfile) as f:
        lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    assert len(lines) == 2 and lines[0][0] == old_kid
    new_kid = lines[1][0]
    assert s.stop() == 0
    s.start()
    keys = jwks()
    assert [k["kid"] for k in keys] == [old_kid, new_kid]
    assert verify_with_jwks(old, keys)
    cid, mids = course("After Rotation", lessons=1)
    enrol_and_complete(tr, cid, mids)
    new = s.get("/api/v1/certificates/" + cert_code(tr_id, cid)).json["credential"]
    assert json.loads(b64d(new.split(".")[0]))["kid"] == new_kid
    assert verify_with_jwks(new, keys)
    # The new key does not verify the old certificate: kids matter.
    assert not openssl_verify(old, [k for k in keys if k["kid"] == new_kid][0])


run(test_public_page_fields, test_credential_is_ob3_vc_jwt_and_verifies,
    test_tampered_payload_and_signature_rejected, test_jwks_shape,
    test_unknown_code_404, test_no_certificate_for_incomplete_course,
    test_unique_codes_over_many_issues, test_code_collision_retries,
    test_revocation, test_key_file_mode_0600,
    test_rotation_keeps_old_certificates_valid)
finish(s)
