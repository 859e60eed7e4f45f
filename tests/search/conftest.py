"""Fixtures: the `test` world generated and simulated once, indexed in 1 and in 4 shards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from talent.settings import Settings
from talent.storage.db import Database

#: Every candidate of every partition (the test world is small), so set checks see all matches.
EVERYTHING = {"deadline_ms": 30_000, "retrieval_depth": 5_000, "partition_top_k": 5_000}


@dataclass
class SearchWorld:
    settings: Settings
    db: Database
    taxonomy: object
    index_one: Path
    index_four: Path


@pytest.fixture(scope="session")
def search_world(tmp_path_factory) -> SearchWorld:
    from index.build.builder import build_index
    from talent.settings import load_settings
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from talent.world.simulator import simulate

    home = tmp_path_factory.mktemp("search-home")
    settings = load_settings(home=home, shards=4)
    settings.ensure_home()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    config = load_world_config("test")
    taxonomy = resolve_taxonomy(config, settings)
    generate_world(config, db, settings.worlds_dir, taxonomy)
    simulate(db, settings.worlds_dir)
    build_index(settings.index_dir, settings.resolved_database_url, shards=4, processes=0)
    build_index(home / "index-one", settings.resolved_database_url, shards=1, processes=0)
    yield SearchWorld(settings, db, taxonomy, home / "index-one", settings.index_dir)
    db.dispose()


#: The partition executors behaviour tests run against: threads, and Ray actors on a local
#: Ray instance (marked ``ray``).
BACKENDS = ["threads", pytest.param("ray", marks=pytest.mark.ray)]


def make_service(world: SearchWorld, index_dir: Path, scorer=None, *, serving=None,
                 backend: str = "threads", **broker):
    """A service over ``index_dir`` (or over ``serving``) with the given backend's executor
    (Ray: the caller has connected to a Ray instance)."""
    from federator.labels import company_names_from_database
    from federator.service import SearchService
    from index.serving.broker import BrokerSettings
    from index.serving.serving_index import ServingIndex

    executor = None
    if backend == "ray":
        from index.cluster.executor import RayExecutor
        from index.cluster.serving import ClusterServing

        serving = serving or ClusterServing(index_dir)
        executor = RayExecutor()
    return SearchService.build(world.taxonomy, serving or ServingIndex(index_dir), scorer,
                               broker_settings=BrokerSettings(**broker),
                               company_names=company_names_from_database(world.db),
                               executor=executor)


@pytest.fixture(scope="session")
def four(search_world):
    """A text-match service over the 4-shard index that returns every match."""
    svc = make_service(search_world, search_world.index_four, **EVERYTHING)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def one(search_world):
    svc = make_service(search_world, search_world.index_one, **EVERYTHING)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def trained(search_world):
    """An L1 model trained on the test world's logs (few rounds: the world is small)."""
    from index.serving.serving_index import ServingIndex
    from talent.training.l1 import train_l1

    serving = ServingIndex(search_world.index_four)
    return train_l1(search_world.db.engine, serving.snapshot(), search_world.taxonomy,
                    search_world.settings.models_dir, world="test", rounds=25)


@pytest.fixture(scope="session", params=BACKENDS)
def four_on(request, search_world):
    """:func:`four` on each backend: the same text-match service over the 4-shard index, its
    partitions on threads of this process or on Ray actors."""
    if request.param == "ray":
        request.getfixturevalue("ray_local")
    svc = make_service(search_world, search_world.index_four, backend=request.param,
                       **EVERYTHING)
    yield svc
    svc.close()
    if request.param == "ray":
        svc.serving.close(retire_actors=True)
