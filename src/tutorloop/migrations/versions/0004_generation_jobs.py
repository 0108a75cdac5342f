"""generation jobs: candidate responses from an OpenAI-compatible endpoint

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'generation_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('model', sa.String(length=200), nullable=False),
        sa.Column('params', JSON, nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('generated', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('error_count', sa.Integer(), nullable=False),
        sa.Column('errors', JSON, nullable=False),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_generation_jobs_project_id_projects')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_generation_jobs_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_jobs')),
    )
    op.create_index(op.f('ix_generation_jobs_project_id_id'), 'generation_jobs', ['project_id', 'id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_generation_jobs_project_id_id'), table_name='generation_jobs')
    op.drop_table('generation_jobs')
