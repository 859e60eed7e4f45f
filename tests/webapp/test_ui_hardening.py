"""The UI says what it cannot read (400 with the message on the page), refuses to be framed,
and the SQLite file with password and token hashes is readable by its owner only."""

from __future__ import annotations

import stat

import pytest


def test_a_query_error_is_a_400_with_the_message_on_the_page(ui):
    r = ui.get("/search?q=title:(nurse")
    assert r.status_code == 400
    assert "Query error" in r.text and "Expected &#39;)&#39;" in r.text


@pytest.mark.parametrize(("args", "said"), [("yoe=10-2", "years of experience"),
                                            ("yoe=lots", "years of experience"),
                                            ("otw=2", "open to work")])
def test_facet_values_the_page_cannot_read_are_a_400_not_ignored(ui, args, said):
    r = ui.get(f"/search?q=nurse&{args}")
    assert r.status_code == 400 and said in r.text


def test_readable_facet_values_still_search(ui):
    assert ui.get("/search?q=nurse&yoe=2-10&otw=1").status_code == 200


@pytest.mark.parametrize("path", ["/login", "/search?q=nurse", "/api/v1/openapi.json"])
def test_every_response_forbids_framing_and_sniffing(client, ui, path):
    r = (client if path == "/login" else ui).get(path)
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_new_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    from talent.storage.db import Database

    db = Database(f"sqlite:///{tmp_path / 'talent.db'}")
    db.upgrade()
    for name in ("talent.db", "talent.db-wal", "talent.db-shm"):
        path = tmp_path / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    db.dispose()


def test_an_existing_world_readable_sqlite_file_is_tightened(tmp_path):
    from talent.storage.db import Database

    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
