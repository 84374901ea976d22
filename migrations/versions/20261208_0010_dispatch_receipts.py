"""Receipts at the receiving point: dispatched (in transit) orders, when their stock was issued,
and what was received against what was sent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 01:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dispatch_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('differs', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_dispatch_receipts_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_receipts')),
    sa.UniqueConstraint('dispatch_id', name=op.f('uq_dispatch_receipts_dispatch_id'))
    )
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispatched_at', app.core.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('dispatched_by', sa.String(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('issued_at', app.core.db.UTCDateTime(timezone=True),
                                      nullable=True))
    # Delivered orders issued their stock when they were delivered (closed).
    op.execute("UPDATE dispatches SET issued_at = closed_at WHERE status = 'delivered'")
    # A dispatched (in transit) status: the enum is a CHECK constraint, not a native type.
    _status_check("'reserved', 'dispatched', 'delivered', 'cancelled'")


def _status_check(values: str) -> None:
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_dispatches_dispatch_status'), type_='check')
        batch_op.create_check_constraint('dispatch_status', f'status IN ({values})')


def downgrade() -> None:
    # an order in transit was still reserved before this revision; delivered once issued
    op.execute("UPDATE dispatches SET status = 'delivered', closed_at = issued_at "
               "WHERE status = 'dispatched' AND issued_at IS NOT NULL")
    op.execute("UPDATE dispatches SET status = 'reserved' WHERE status = 'dispatched'")
    _status_check("'reserved', 'delivered', 'cancelled'")
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_column('issued_at')
        batch_op.drop_column('dispatched_by')
        batch_op.drop_column('dispatched_at')
    op.drop_table('dispatch_receipts')
