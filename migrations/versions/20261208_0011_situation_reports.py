"""Situation reports of incidents (the incident log) and their photos

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-08 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('situation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('affected', sa.Integer(), nullable=True),
    sa.Column('evacuated', sa.Integer(), nullable=True),
    sa.Column('injured', sa.Integer(), nullable=True),
    sa.Column('missing', sa.Integer(), nullable=True),
    sa.Column('dead', sa.Integer(), nullable=True),
    sa.Column('photo_type', sa.String(length=20), nullable=True),
    sa.Column('at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.CheckConstraint('(affected IS NULL OR affected >= 0) AND (evacuated IS NULL OR evacuated >= 0) AND (injured IS NULL OR injured >= 0) AND (missing IS NULL OR missing >= 0) AND (dead IS NULL OR dead >= 0)', name=op.f('ck_situation_reports_counts_valid')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_situation_reports_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_situation_reports_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_reports'))
    )
    op.create_index('ix_situation_reports_incident_at', 'situation_reports', ['incident_id', 'at'], unique=False)
    op.create_table('situation_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['situation_reports.id'], name=op.f('fk_situation_photos_report_id_situation_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_photos')),
    sa.UniqueConstraint('report_id', name=op.f('uq_situation_photos_report_id'))
    )


def downgrade() -> None:
    op.drop_table('situation_photos')
    op.drop_index('ix_situation_reports_incident_at', table_name='situation_reports')
    op.drop_table('situation_reports')
