-- Secondments of officials to institutions in other EU/EEA countries (API §8).
-- The host country must be in eu_eea_countries: the 27 EU member states plus
-- the three EEA EFTA states (Iceland, Liechtenstein, Norway). Switzerland is
-- EFTA but not EEA, so it is deliberately NOT in the table, nor are
-- candidate countries. Codes are ISO 3166-1 alpha-2 in upper case (Greece is
-- GR, not the EU's "EL"); a lower-case code is rejected, not normalised, so
-- what the client sent is exactly what is stored.
-- Two non-cancelled secondments of one official may not overlap; both dates
-- are inclusive, so one ending on the day the next starts DOES overlap.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE eu_eea_countries (
	code		char(2) PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
	name		text NOT NULL UNIQUE
);

INSERT INTO eu_eea_countries (code, name) VALUES
	('AT', 'Austria'), ('BE', 'Belgium'), ('BG', 'Bulgaria'),
	('HR', 'Croatia'), ('CY', 'Cyprus'), ('CZ', 'Czechia'),
	('DK', 'Denmark'), ('EE', 'Estonia'), ('FI', 'Finland'),
	('FR', 'France'), ('DE', 'Germany'), ('GR', 'Greece'),
	('HU', 'Hungary'), ('IE', 'Ireland'), ('IT', 'Italy'),
	('LV', 'Latvia'), ('LT', 'Lithuania'), ('LU', 'Luxembourg'),
	('MT', 'Malta'), ('NL', 'Netherlands'), ('PL', 'Poland'),
	('PT', 'Portugal'), ('RO', 'Romania'), ('SK', 'Slovakia'),
	('SI', 'Slovenia'), ('ES', 'Spain'), ('SE', 'Sweden'),
	-- EEA EFTA states
	('IS', 'Iceland'), ('LI', 'Liechtenstein'), ('NO', 'Norway');

CREATE TABLE secondments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users,
	host_institution text NOT NULL
			    CHECK (length(btrim(host_institution)) BETWEEN 1 AND 200),
	host_country	char(2) NOT NULL REFERENCES eu_eea_countries,
	starts_on	date NOT NULL,
	ends_on		date NOT NULL,
	purpose		text NOT NULL DEFAULT '' CHECK (length(purpose) <= 2000),
	status		text NOT NULL DEFAULT 'planned' CHECK (status IN
			    ('planned', 'active', 'completed', 'cancelled')),
	report		text CHECK (length(report) <= 20000),
	created_by	bigint REFERENCES users,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT secondments_dates_check CHECK (ends_on >= starts_on),
	CONSTRAINT secondments_no_overlap EXCLUDE USING gist (user_id WITH =,
	    daterange(starts_on, ends_on, '[]') WITH &&)
	    WHERE (status <> 'cancelled')
);
CREATE INDEX secondments_user_idx ON secondments (user_id, id);
CREATE INDEX secondments_status_idx ON secondments (status);

CREATE FUNCTION secondment_json(s secondments) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', s.id, 'user_id', s.user_id,
	    'host_institution', s.host_institution,
	    'host_country', s.host_country, 'starts_on', s.starts_on,
	    'ends_on', s.ends_on, 'purpose', s.purpose, 'status', s.status,
	    'report', s.report)
$$;

-- Creates (sid NULL) or updates a secondment from the request body b, with
-- the audit entry in the same transaction. The C handler has checked the
-- shapes; the rules that need the database are here. Date syntax errors
-- (e.g. 2026-02-30) raise 22008 (→ 422), an overlap 23P01 (→ 409).
CREATE FUNCTION mt_secondment_save(actor bigint, sid bigint, b jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	s secondments;
BEGIN
	IF sid IS NULL THEN
		IF NOT EXISTS (SELECT 1 FROM users WHERE id = (b->>'user_id')::bigint) THEN
			PERFORM mt_raise(422, 'user_id: no such user');
		END IF;
		s.user_id := (b->>'user_id')::bigint;
		s.host_institution := btrim(b->>'host_institution');
		s.host_country := b->>'host_country';
		s.starts_on := (b->>'starts_on')::date;
		s.ends_on := (b->>'ends_on')::date;
		s.purpose := coalesce(b->>'purpose', '');
		s.status := coalesce(b->>'status', 'planned');
		s.report := b->>'report';
	ELSE
		SELECT * INTO s FROM secondments WHERE id = sid FOR UPDATE;
		IF NOT FOUND THEN
			PERFORM mt_raise(404, 'no such secondment');
		END IF;
		s.host_institution := coalesce(btrim(b->>'host_institution'),
		    s.host_institution);
		s.host_country := coalesce(b->>'host_country', s.host_country);
		s.starts_on := coalesce((b->>'starts_on')::date, s.starts_on);
		s.ends_on := coalesce((b->>'ends_on')::date, s.ends_on);
		s.purpose := coalesce(b->>'purpose', s.purpose);
		s.status := coalesce(b->>'status', s.status);
		s.report := coalesce(b->>'report', s.report);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM eu_eea_countries WHERE code = s.host_country) THEN
		PERFORM mt_raise(422, 'host_country: ' || s.host_country ||
		    ' is not an EU or EEA member state');
	END IF;
	IF s.ends_on < s.starts_on THEN
		PERFORM mt_raise(422, 'ends_on: must not be before starts_on');
	END IF;
	IF sid IS NULL THEN
		INSERT INTO secondments (user_id, host_institution, host_country,
		    starts_on, ends_on, purpose, status, report, created_by)
		VALUES (s.user_id, s.host_institution, s.host_country, s.starts_on,
		    s.ends_on, s.purpose, s.status, s.report, actor)
		RETURNING * INTO s;
		INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
		VALUES (actor, 'secondment.create', 'secondment', s.id, b);
	ELSE
		UPDATE secondments SET host_institution = s.host_institution,
		    host_country = s.host_country, starts_on = s.starts_on,
		    ends_on = s.ends_on, purpose = s.purpose, status = s.status,
		    report = s.report, updated_at = now()
		WHERE id = sid RETURNING * INTO s;
		INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
		VALUES (actor, 'secondment.update', 'secondment', s.id, b);
	END IF;
	RETURN secondment_json(s);
END
$$;
