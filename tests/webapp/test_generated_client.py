"""A client generated from the committed spec by openapi-python-client works: it searches, reads
a profile with a zoned timestamp type, and gets typed errors."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO, make_app, member_ids

GENERATOR = shutil.which("openapi-python-client",
                         path=os.pathsep.join([os.path.dirname(sys.executable),
                                               os.environ.get("PATH", "")]))


@pytest.fixture(scope="module")
def client_package(tmp_path_factory):
    if GENERATOR is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openapi-python-client is not installed (the dev extra has it)")
        pytest.skip("openapi-python-client is not installed")
    out = tmp_path_factory.mktemp("generated")
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable),
                                                  os.environ.get("PATH", "")])}
    done = subprocess.run([GENERATOR, "generate", "--path", str(REPO / "webapp" / "openapi.json"),
                           "--meta", "none", "--output-path", str(out / "talent_client")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert (out / "talent_client" / "client.py").exists(), done.stdout + done.stderr
    sys.path.insert(0, str(out))
    yield importlib.import_module("talent_client")
    sys.path.remove(str(out))


def test_a_generated_client_searches_and_reads_typed_answers(client_package, web_world):
    import httpx
    from talent_client import AuthenticatedClient
    from talent_client.api.members import member
    from talent_client.api.projects import create_project
    from talent_client.api.search import search
    from talent_client.models import ErrorResponse, ProjectIn, ProjectOut, SearchBody, SearchOut

    app = make_app(web_world)
    client = AuthenticatedClient(base_url="http://localhost", token=web_world.alice.token,
                                 httpx_args={"transport": httpx.WSGITransport(app=app)})
    found = search.sync(client=client, body=SearchBody(query="nurse", page_size=5))
    assert isinstance(found, SearchOut) and found.results and found.total >= len(found.results)
    project = create_project.sync(client=client, body=ProjectIn(name="generated client"))
    assert isinstance(project, ProjectOut) and project.created_at.tzinfo is not None
    assert project.created_at.utcoffset() == dt.timedelta(0)
    missing = member.sync(client=client, member_id=2**40)
    assert isinstance(missing, ErrorResponse) and missing.error.code == "not_found"
    assert member.sync(client=client, member_id=member_ids(web_world, 1)[0]).name
