"""Contract isolation: a recruiter of contract A can neither read nor change contract B's rows."""

from __future__ import annotations

import pytest

from talent.errors import InvalidInput, NotFound
from talent.storage.access import RecruiterScope
from talent.storage.models import AuditLog


def test_recruiter_sees_only_own_projects(db, two_contracts):
    with db.session() as s:
        names = [p.name for p in RecruiterScope(s, two_contracts["ra"]).list_projects()]
    assert names == ["Backend engineers"]


def test_other_contracts_project_is_not_found(db, two_contracts):
    with db.session() as s:
        scope = RecruiterScope(s, two_contracts["ra"])
        with pytest.raises(NotFound):
            scope.get_project(two_contracts["pb"])
        with pytest.raises(NotFound):
            scope.save_candidate(two_contracts["pb"], 1)
        with pytest.raises(NotFound):
            scope.update_project(two_contracts["pb"], name="hijacked")


def test_other_contracts_notes_and_stage_cannot_be_read_or_changed(db, two_contracts):
    with db.session() as s:
        cand = RecruiterScope(s, two_contracts["rb"]).save_candidate(two_contracts["pb"], 1,
                                                                     notes="secret")
        cid = cand.id
    with db.session() as s:
        scope = RecruiterScope(s, two_contracts["ra"])
        with pytest.raises(NotFound):
            scope.get_candidate(cid)
        with pytest.raises(NotFound):
            scope.update_candidate(cid, notes="overwritten")
        with pytest.raises(NotFound):
            scope.remove_candidate(cid)
        with pytest.raises(NotFound):
            scope.list_candidates(two_contracts["pb"])
    with db.session() as s:
        assert RecruiterScope(s, two_contracts["rb"]).get_candidate(cid).notes == "secret"


def test_other_contracts_inmails_are_invisible(db, two_contracts):
    with db.session() as s:
        mail = RecruiterScope(s, two_contracts["rb"]).send_inmail(2, "Nursing role", "Hello")
        mid = mail.id
    with db.session() as s:
        scope = RecruiterScope(s, two_contracts["ra"])
        assert scope.list_inmails() == []
        with pytest.raises(NotFound):
            scope.get_inmail(mid)
        with pytest.raises(NotFound):
            scope.record_inmail_response(mid, "accepted")


def test_saving_twice_keeps_one_entry_and_audits_once(db, two_contracts):
    with db.session() as s:
        scope = RecruiterScope(s, two_contracts["ra"])
        first = scope.save_candidate(two_contracts["pa"], 1)
        again = scope.save_candidate(two_contracts["pa"], 1)
        assert first.id == again.id
        assert len(scope.list_candidates(two_contracts["pa"])) == 1
    with db.session() as s:
        actions = [a.action for a in s.query(AuditLog).filter(AuditLog.action == "candidate.save")]
    assert actions == ["candidate.save"]


def test_bad_stage_subject_and_member_are_refused(db, two_contracts):
    with db.session() as s:
        scope = RecruiterScope(s, two_contracts["ra"])
        with pytest.raises(InvalidInput, match="stage"):
            scope.save_candidate(two_contracts["pa"], 1, stage="married")
        with pytest.raises(InvalidInput, match="subject"):
            scope.send_inmail(1, "   ")
        with pytest.raises(NotFound):
            scope.send_inmail(999_999, "Hi")
