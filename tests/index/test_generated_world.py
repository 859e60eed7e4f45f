"""The index on a world from the real generator (fixtures/worlds/test.toml, ~2,000 members)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from index.build.builder import build_index
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from index.sharding import shards_of
from talent.storage import Database
from talent.storage.models import Member, MemberSkill


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from talent.settings import load_settings
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world

    home = tmp_path_factory.mktemp("generated")
    settings = load_settings(home=home)
    settings.ensure_home()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    config = load_world_config("test")
    generate_world(config, db, settings.worlds_dir, resolve_taxonomy(config, settings))
    build_index(home / "index", settings.resolved_database_url, shards=4, processes=0)
    yield db, ServingIndex(home / "index")
    db.dispose()


def test_every_generated_member_is_indexed_once_in_its_shard(generated):
    db, serving = generated
    with db.engine.connect() as conn:
        ids = np.asarray(conn.execute(select(Member.id).order_by(Member.id)).scalars().all())
    seen = []
    for p in serving.partitions:
        hits = p.search(Q.all_docs(), len(ids) + 1).member_ids
        assert (shards_of(hits, 4) == p.shard).all()
        seen.append(hits)
    assert np.array_equal(np.sort(np.concatenate(seen)), ids)
    assert serving.features(ids).found.all()


def test_skill_id_counts_match_the_database(generated):
    db, serving = generated
    with db.engine.connect() as conn:
        skill, members = conn.execute(
            select(MemberSkill.skill_id, func.count()).group_by(MemberSkill.skill_id)
            .order_by(func.count().desc()).limit(1)).one()
    assert serving.count(Q.term("skill_ids", skill)) == members
    assert sum(p.doc_freq("skill_ids", skill) for p in serving.partitions) == members


def test_occupation_facets_cover_every_member_with_an_occupation(generated):
    from index.serving.partition import merge_facets

    db, serving = generated
    with db.engine.connect() as conn:
        with_occupation = conn.execute(select(func.count())
                                       .where(Member.occupation_id.is_not(None))).scalar_one()
    facets = merge_facets(p.facets(Q.all_docs(), ["title_id"]) for p in serving.partitions)
    assert sum(facets["title_id"].values()) == with_occupation
