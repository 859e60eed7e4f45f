"""Demo accounts and credential hashing."""

from __future__ import annotations

from webapp.accounts import DEMO_PASSWORD, ensure_demo_accounts
from webapp.auth import hash_token, recruiter_for_token, verify_password


def test_demo_accounts_print_login_and_token(web_world):
    lines: list[str] = []
    accounts = ensure_demo_accounts(web_world.database, count=2, echo=lines.append)
    assert len(lines) == 2
    first = accounts[0]
    assert lines[0] == (f"demo login: {first.email} / {DEMO_PASSWORD}  "
                        f"(contract {first.contract})  API token: {first.token}")


def test_demo_accounts_belong_to_different_contracts_and_are_stable(web_world):
    again = ensure_demo_accounts(web_world.database, count=2, echo=None)
    expected = [web_world.alice.recruiter_id, web_world.bob.recruiter_id]
    assert [a.recruiter_id for a in again] == expected
    assert web_world.alice.contract != web_world.bob.contract


def test_passwords_are_stored_hashed_and_verified(web_world):
    from talent.storage.models import Recruiter

    with web_world.database.session() as s:
        stored = s.get(Recruiter, web_world.alice.recruiter_id).password_hash
        assert DEMO_PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
        signed_in = verify_password(s, web_world.alice.email, DEMO_PASSWORD)
        assert signed_in.id == web_world.alice.recruiter_id
        assert verify_password(s, web_world.alice.email, "wrong") is None
        assert verify_password(s, "nobody@example.com", DEMO_PASSWORD) is None


def test_tokens_are_found_by_hash(web_world):
    with web_world.database.session() as s:
        assert recruiter_for_token(s, web_world.bob.token).id == web_world.bob.recruiter_id
        assert recruiter_for_token(s, "") is None
    assert hash_token("a") != hash_token("b")
