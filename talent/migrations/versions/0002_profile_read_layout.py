"""profile read layout: member_skills clustered by its key (SQLite), positions history index

A profile read (index build, live updates) fetches a member's skills and positions by member id.
On SQLite ``member_skills`` becomes a ``WITHOUT ROWID`` table (rows stored in primary-key order:
no lookup from the key index into the table per row, and a smaller file); PostgreSQL keeps its
table. ``ix_positions_member_id`` is replaced by an index on
``(member_id, start_date, id, title, occupation_id, company_id, is_current)``: a member's
positions come from the index alone, already in history order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 09:10:00
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_HISTORY = ['member_id', 'start_date', 'id', 'title', 'occupation_id', 'company_id', 'is_current']


def _cluster_member_skills(clustered: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('member_skills', recreate='always',
                              table_kwargs={'sqlite_with_rowid': not clustered}):
        pass


def upgrade() -> None:
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positions_member_id'))
        batch_op.create_index('ix_positions_member_history', _HISTORY, unique=False)
    _cluster_member_skills(True)


def downgrade() -> None:
    _cluster_member_skills(False)
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index('ix_positions_member_history')
        batch_op.create_index(batch_op.f('ix_positions_member_id'), ['member_id'], unique=False)
