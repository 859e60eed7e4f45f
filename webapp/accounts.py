"""Demo accounts: a known password and API token for a few recruiters of the generated world."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from talent.errors import NotFound
from talent.storage.db import Database
from talent.storage.models import Contract, Recruiter
from webapp.auth import set_password, set_token

DEMO_PASSWORD = "talent-demo"


@dataclass(frozen=True)
class DemoAccount:
    recruiter_id: int
    email: str
    name: str
    contract: str
    password: str
    token: str


def demo_token(recruiter_id: int) -> str:
    """The demo API token of a recruiter (public by design: demo worlds hold no real data)."""
    return f"tlnt_demo_{recruiter_id}"


def ensure_demo_accounts(db: Database, *, count: int = 3, password: str = DEMO_PASSWORD,
                         echo: Callable[[str], None] | None = print) -> list[DemoAccount]:
    """Give the first recruiter of the first ``count`` contracts a known password and API token.

    Idempotent. Prints one line per account through ``echo`` (``None`` to stay quiet):
    ``demo login: <email> / <password>  (contract <name>)  API token: <token>``.
    Raises :class:`NotFound` when the database holds no recruiters (generate a world first).
    """
    accounts: list[DemoAccount] = []
    with db.session() as session:
        first_ids = session.scalars(
            select(func.min(Recruiter.id)).group_by(Recruiter.contract_id)
            .order_by(func.min(Recruiter.id)).limit(count)
        ).all()
        if not first_ids:
            raise NotFound("no recruiters in the database: run `talent world generate` first")
        for recruiter_id in first_ids:
            recruiter = session.get(Recruiter, recruiter_id)
            assert recruiter is not None
            set_password(recruiter, password)
            token = set_token(recruiter, demo_token(recruiter.id))
            contract = session.get(Contract, recruiter.contract_id)
            accounts.append(DemoAccount(recruiter.id, recruiter.email, recruiter.name,
                                        contract.name if contract else "", password, token))
    if echo is not None:
        for a in accounts:
            echo(f"demo login: {a.email} / {a.password}  (contract {a.contract})  "
                 f"API token: {a.token}")
    return accounts
