-- Certificates of completed courses (API §10): one per enrolment, with a
-- public code and the signed Open Badges 3.0 credential (a compact JWS).
-- The row snapshots holder and course as they were at completion; after
-- issue only revocation may change it. Signing keys never live here
-- (server/signing.c keeps them in the key file).

CREATE TABLE certificates (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- 12 characters of Crockford's base32 (no I, L, O, U): 60 random bits.
	code		text NOT NULL UNIQUE
			    CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{12}$'),
	enrollment_id	bigint NOT NULL UNIQUE REFERENCES enrollments,
	user_id		bigint NOT NULL REFERENCES users,
	course_id	bigint NOT NULL REFERENCES courses,
	holder_name	text NOT NULL
			    CHECK (length(btrim(holder_name)) BETWEEN 1 AND 200),
	course_title	text NOT NULL
			    CHECK (length(btrim(course_title)) BETWEEN 1 AND 200),
	completed_at	timestamptz NOT NULL,
	issued_at	timestamptz NOT NULL DEFAULT now(),
	-- Set in the issuing transaction right after the insert, once the
	-- server has signed the payload built from this row; the deferred
	-- trigger below refuses a commit without them.
	kid		text CHECK (kid ~ '^[A-Za-z0-9_-]{1,64}$'),
	credential	text CHECK (credential ~
			    '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
	revoked_at	timestamptz,
	revoke_reason	text CHECK (length(btrim(revoke_reason)) BETWEEN 1 AND 500),
	CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL)),
	CHECK ((kid IS NULL) = (credential IS NULL)),
	CHECK (issued_at >= completed_at)
);
CREATE INDEX certificates_user_idx ON certificates (user_id);
CREATE INDEX certificates_course_idx ON certificates (course_id);

-- No certificate commits without its signed credential.
CREATE FUNCTION mt_certificate_signed_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM certificates
	    WHERE id = NEW.id AND credential IS NULL) THEN
		RAISE EXCEPTION 'certificate % has no signed credential', NEW.id;
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER certificates_signed AFTER INSERT ON certificates
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION mt_certificate_signed_check();

-- Issued is final: the credential may be set once, revocation may be set
-- once, nothing else ever changes (a revoked certificate stays revoked).
CREATE FUNCTION mt_certificate_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.code <> OLD.code OR NEW.enrollment_id <> OLD.enrollment_id
	   OR NEW.user_id <> OLD.user_id OR NEW.course_id <> OLD.course_id
	   OR NEW.holder_name <> OLD.holder_name
	   OR NEW.course_title <> OLD.course_title
	   OR NEW.completed_at <> OLD.completed_at
	   OR NEW.issued_at <> OLD.issued_at
	   OR (OLD.credential IS NOT NULL AND
	       (NEW.credential IS DISTINCT FROM OLD.credential
	        OR NEW.kid IS DISTINCT FROM OLD.kid))
	   OR (OLD.revoked_at IS NOT NULL AND
	       (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
	        OR NEW.revoke_reason IS DISTINCT FROM OLD.revoke_reason)) THEN
		PERFORM mt_raise(409, 'an issued certificate cannot be changed');
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER certificates_guard BEFORE UPDATE ON certificates
	FOR EACH ROW EXECUTE FUNCTION mt_certificate_guard();

-- The public view of GET /certificates/{code}; with_reason adds the
-- revocation reason for staff (the revoke answer).
CREATE FUNCTION certificate_json(c certificates, with_reason boolean DEFAULT false)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN with_reason THEN
		json_build_object('code', c.code, 'holder_name', c.holder_name,
		    'course_title', c.course_title,
		    'issued_at', mt_ts(c.issued_at),
		    'completed_at', mt_ts(c.completed_at),
		    'revoked_at', mt_ts(c.revoked_at),
		    'valid', c.revoked_at IS NULL AND c.credential IS NOT NULL,
		    'credential', c.credential, 'revoke_reason', c.revoke_reason)
	ELSE
		json_build_object('code', c.code, 'holder_name', c.holder_name,
		    'course_title', c.course_title,
		    'issued_at', mt_ts(c.issued_at),
		    'completed_at', mt_ts(c.completed_at),
		    'revoked_at', mt_ts(c.revoked_at),
		    'valid', c.revoked_at IS NULL AND c.credential IS NOT NULL,
		    'credential', c.credential)
	END
$$;

-- Codes as people type them: any case, hyphens and spaces ignored, and
-- Crockford's look-alikes (I and L read as 1, O as 0).
CREATE FUNCTION mt_certificate_code(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT upper(translate(t, 'IiLlOo- ', '111100'))
$$;

-- The Open Badges 3.0 OpenBadgeCredential of a certificate, in the VC-JWT
-- form (OB 3.0 §8.2): the credential's members at the top level plus the
-- registered claims iss = issuer.id, jti = id, nbf = validFrom and
-- sub = credentialSubject.id. `base` is the public URL of the server (no
-- trailing slash) or NULL, in which case the ids are URNs.
CREATE FUNCTION certificate_payload(c certificates, base text,
    issuer_name text) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
	    '@context', json_build_array('https://www.w3.org/ns/credentials/v2',
		'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'),
	    'id', ids.cred,
	    'type', json_build_array('VerifiableCredential',
		'OpenBadgeCredential'),
	    'name', c.course_title,
	    'issuer', json_build_object('id', ids.issuer,
		'type', json_build_array('Profile'), 'name', issuer_name),
	    'validFrom', mt_ts(c.issued_at),
	    'credentialSubject', json_build_object(
		'id', ids.subject,
		'type', json_build_array('AchievementSubject'),
		'activityEndDate', mt_ts(c.completed_at),
		'identifier', json_build_array(json_build_object(
		    'type', 'IdentityObject', 'identityType', 'name',
		    'hashed', false, 'identityHash', c.holder_name)),
		'achievement', json_build_object(
		    'id', ids.achievement,
		    'type', json_build_array('Achievement'),
		    'achievementType', 'Certificate',
		    'name', c.course_title,
		    'description', coalesce(nullif(btrim(co.summary), ''),
			'Completion of the course ' || c.course_title || '.'),
		    'criteria', json_build_object('narrative',
			'Completed every module of the course ' ||
			c.course_title || ' (lessons read, quizzes passed).'))),
	    'iss', ids.issuer,
	    'jti', ids.cred,
	    'nbf', floor(extract(epoch FROM c.issued_at))::bigint,
	    'sub', ids.subject)
	  FROM courses co,
	       LATERAL (SELECT
		    coalesce(base || '/', 'urn:migtrain:issuer') AS issuer,
		    coalesce(base || '/api/v1/certificates/' || c.code,
			'urn:migtrain:certificate:' || c.code) AS cred,
		    coalesce(base || '/api/v1/courses/' || c.course_id,
			'urn:migtrain:course:' || c.course_id) AS achievement,
		    'urn:migtrain:user:' || c.user_id AS subject) ids
	 WHERE co.id = c.course_id
$$;

-- POST /certificates/{code}/revoke: 404 unknown, 409 already revoked.
CREATE FUNCTION mt_certificate_revoke(ccode text, reason text, actor bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c certificates;
BEGIN
	SELECT * INTO c FROM certificates
	 WHERE code = mt_certificate_code(ccode) FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such certificate');
	END IF;
	IF c.revoked_at IS NOT NULL THEN
		PERFORM mt_raise(409, 'the certificate is already revoked');
	END IF;
	UPDATE certificates SET revoked_at = now(), revoke_reason = btrim(reason)
	 WHERE id = c.id RETURNING * INTO c;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'certificate.revoke', 'certificate', c.id,
	    jsonb_build_object('code', c.code, 'reason', c.revoke_reason,
		'user_id', c.user_id, 'course_id', c.course_id));
	RETURN certificate_json(c, true);
END
$$;
