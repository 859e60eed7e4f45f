from __future__ import annotations

import pytest

from talent.storage import Database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    """A migrated database on each backend; the PostgreSQL one is emptied after the test."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'talent.db'}")
    else:
        database = Database(request.getfixturevalue("pg_url"))
    database.upgrade()
    yield database
    if request.param == "postgres":
        database.downgrade("base")
    database.dispose()


@pytest.fixture
def two_contracts(db):
    """Contracts A and B, one recruiter each, a project each, and two members."""
    from talent.storage.models import Contract, Member, Recruiter

    with db.session() as s:
        a, b = Contract(name="Acme in-house"), Contract(name="Talent Agency B", kind="agency")
        s.add_all([a, b])
        s.flush()
        ra = Recruiter(contract_id=a.id, name="Ann", email="ann@a.example")
        rb = Recruiter(contract_id=b.id, name="Bob", email="bob@b.example")
        s.add_all([ra, rb, Member(first_name="Cy", last_name="D"),
                   Member(first_name="Eve", last_name="F")])
        s.flush()
        ids = {"ra": ra.id, "rb": rb.id}
    from talent.storage.access import RecruiterScope

    with db.session() as s:
        ids["pa"] = RecruiterScope(s, ids["ra"]).create_project("Backend engineers").id
        ids["pb"] = RecruiterScope(s, ids["rb"]).create_project("Nurses").id
    return ids
