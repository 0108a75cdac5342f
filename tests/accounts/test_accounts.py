from tutorloop.accounts.models import User
from tutorloop.accounts.security import hash_password, verify_password


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


class TestPasswords:
    def test_argon2id_hash_verifies_and_rejects(self):
        h = hash_password("correct horse")
        assert h.startswith("$argon2id$")
        assert verify_password(h, "correct horse") and not verify_password(h, "wrong")
        assert not verify_password(None, "anything")


class TestSessions:
    def test_login_sets_httponly_cookie_and_returns_csrf(self, world):
        world.person("ann")
        c = world.client(None)
        r = login(c, "ann", "password-ann")
        assert r.status_code == 200
        assert "httponly" in r.headers["set-cookie"].lower()
        assert r.json()["csrf_token"]
        assert c.get("/api/v1/auth/me").json()["user"]["username"] == "ann"

    def test_wrong_password_is_401_and_audited(self, world, db):
        world.person("ann")
        r = login(world.client(None), "ann", "nope-nope")
        assert r.status_code == 401 and r.json()["error"] == "Unauthorized"
        admin = world.person("root", "admin")
        entries = world.client("root").get("/api/v1/audit").json()["entries"]
        assert any(e["action"] == "auth.login_failed" for e in entries)
        assert admin

    def test_unsafe_request_with_cookie_needs_csrf(self, world):
        world.person("ann")
        c = world.client(None)
        csrf = login(c, "ann", "password-ann").json()["csrf_token"]
        assert c.post("/api/v1/auth/tokens", json={"name": "x"}).status_code == 403
        assert c.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "bad"}).status_code == 403
        r = c.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201 and r.json()["token"].startswith("tl_")

    def test_logout_revokes_the_session(self, world):
        world.person("ann")
        c = world.client(None)
        csrf = login(c, "ann", "password-ann").json()["csrf_token"]
        cookie = c.cookies.get("tl_session")
        assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
        replay = world.client(None)
        replay.cookies.set("tl_session", cookie)
        assert replay.get("/api/v1/auth/me").status_code == 401


class TestTokens:
    def test_token_is_stored_hashed_and_revocable(self, world, db):
        token = world.person("ann")
        from sqlalchemy import select

        from tutorloop.accounts.models import ApiToken

        with db.session(write=False) as s:
            stored = s.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored
        c = world.client("ann")
        [listed] = c.get("/api/v1/auth/tokens").json()
        assert c.delete(f"/api/v1/auth/tokens/{listed['id']}").status_code == 200
        assert c.get("/api/v1/auth/me").status_code == 401

    def test_token_use_is_recorded(self, world):
        world.person("ann")
        c = world.client("ann")
        assert c.get("/api/v1/auth/tokens").status_code == 200
        assert c.get("/api/v1/auth/tokens").json()[0]["last_used_at"] is not None

    def test_bad_token_is_401(self, world):
        c = world.client(None)
        c.headers["Authorization"] = "Bearer tl_nonsense"
        assert c.get("/api/v1/auth/me").status_code == 401


class TestDeactivation:
    def test_deactivation_revokes_sessions_and_tokens_at_once(self, world):
        world.person("root", "admin")
        world.person("ann")
        browser = world.client(None)
        login(browser, "ann", "password-ann")
        api = world.client("ann")
        assert api.get("/api/v1/auth/me").status_code == 200
        r = world.client("root").post(f"/api/v1/users/{world.ids['ann']}/deactivate")
        assert r.status_code == 200 and r.json()["is_active"] is False
        assert api.get("/api/v1/auth/me").status_code == 401
        assert browser.get("/api/v1/auth/me").status_code == 401
        assert login(world.client(None), "ann", "password-ann").status_code == 401

    def test_reactivation_does_not_restore_old_sessions(self, world):
        world.person("root", "admin")
        world.person("ann")
        api = world.client("ann")
        admin = world.client("root")
        admin.post(f"/api/v1/users/{world.ids['ann']}/deactivate")
        admin.post(f"/api/v1/users/{world.ids['ann']}/reactivate")
        assert api.get("/api/v1/auth/me").status_code == 401
        assert login(world.client(None), "ann", "password-ann").status_code == 200

    def test_only_admins_manage_people(self, world):
        world.person("ann")
        world.person("bob")
        c = world.client("ann")
        assert c.post(f"/api/v1/users/{world.ids['bob']}/deactivate").status_code == 403
        assert c.post("/api/v1/users", json={"username": "x", "password": "12345678"}).status_code == 403
        assert c.get("/api/v1/users").status_code == 403


class TestUsers:
    def test_admin_creates_user_and_duplicate_is_409(self, world):
        world.person("root", "admin")
        c = world.client("root")
        body = {"username": "new", "password": "long-enough", "role": "reviewer"}
        assert c.post("/api/v1/users", json=body).json()["role"] == "reviewer"
        r = c.post("/api/v1/users", json=body)
        assert r.status_code == 409 and r.json()["where"] == "username"

    def test_short_password_names_the_field(self, world):
        world.person("root", "admin")
        r = world.client("root").post("/api/v1/users", json={"username": "x", "password": "short"})
        assert r.status_code == 422 and r.json()["where"] == "password"

    def test_locale_change(self, world, db):
        world.person("ann")
        assert world.client("ann").patch("/api/v1/users/me", json={"locale": "ar"}).json()["locale"] == "ar"
        with db.session(write=False) as s:
            assert s.get(User, world.ids["ann"]).locale == "ar"
