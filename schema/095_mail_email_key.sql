-- Password resets find accounts and clear login failures by the same
-- NFKC key as logins (075), so an address typed in a compatibility form
-- (fullwidth letters, say) reaches its account here too.

CREATE OR REPLACE FUNCTION mt_password_reset_request(p_email text, p_hash text,
    p_token text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	u users;
BEGIN
	PERFORM pg_advisory_xact_lock(7465, hashtext(mt_email_key(p_email)));
	SELECT * INTO u FROM users WHERE mt_email_key(email) = mt_email_key(p_email) AND active;
	IF NOT FOUND OR (SELECT count(*) FROM password_resets
	    WHERE user_id = u.id AND created_at > now() - interval '1 hour')
	    >= 3 THEN
		RETURN;
	END IF;
	INSERT INTO password_resets (user_id, token_hash, expires_at)
	VALUES (u.id, decode(p_hash, 'hex'), now() + interval '1 hour');
	PERFORM mt_mail_enqueue(u.id, 'password_reset', jsonb_build_object(
	    'link', mt_public_url() || '/reset#' || p_token));
	INSERT INTO audit_log (actor_id, action, object_type, object_id)
	VALUES (NULL, 'user.password_reset_request', 'user', u.id);
END
$$;

CREATE OR REPLACE FUNCTION mt_password_reset_confirm(p_hash text, p_password text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	uid bigint;
BEGIN
	UPDATE password_resets p SET used_at = now()
	  FROM users u
	 WHERE p.token_hash = decode(p_hash, 'hex') AND p.used_at IS NULL
	   AND p.expires_at > now() AND u.id = p.user_id AND u.active
	RETURNING p.user_id INTO uid;
	IF uid IS NULL THEN
		PERFORM mt_raise(400, 'the reset link is unknown, used or '
		    'expired');
	END IF;
	UPDATE password_resets SET used_at = now()
	 WHERE user_id = uid AND used_at IS NULL;
	UPDATE users SET password_hash = p_password, updated_at = now()
	 WHERE id = uid;
	UPDATE sessions SET revoked_at = now()
	 WHERE user_id = uid AND revoked_at IS NULL;
	DELETE FROM login_failures WHERE NOT pending
	   AND lower(email) = (SELECT mt_email_key(email) FROM users WHERE id = uid);
	INSERT INTO audit_log (actor_id, action, object_type, object_id)
	VALUES (uid, 'user.password_reset', 'user', uid);
END
$$;
