"""quality: gold items, consensus, skills

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:16:47.485524
"""

import sqlalchemy as sa
from alembic import op

import tutorloop.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quality_fits',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('classes', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('prior', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('labels_seen', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('fitted_at', tutorloop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_quality_fits_project_id_projects')),
    sa.PrimaryKeyConstraint('project_id', 'question', name=op.f('pk_quality_fits'))
    )
    op.create_table('worker_skill',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('gold_correct', sa.Integer(), nullable=False),
    sa.Column('gold_total', sa.Integer(), nullable=False),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('n_labels', sa.Integer(), nullable=False),
    sa.Column('confusion', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True),
    sa.Column('updated_at', tutorloop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_worker_skill_project_id_projects')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_worker_skill_user_id_users')),
    sa.PrimaryKeyConstraint('project_id', 'question', 'user_id', name=op.f('pk_worker_skill'))
    )
    op.create_table('consensus',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('posterior', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('n_labels', sa.Integer(), nullable=False),
    sa.Column('updated_at', tutorloop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_consensus_item_id_items')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_consensus_project_id_projects')),
    sa.PrimaryKeyConstraint('item_id', 'question', name=op.f('pk_consensus'))
    )
    with op.batch_alter_table('consensus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consensus_project_id_question_confidence'), ['project_id', 'question', 'confidence'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gold', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('is_gold', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_items_project_id_is_gold_id'), ['project_id', 'is_gold', 'id'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gold_rate', sa.Float(), nullable=False, server_default='0.1'))
        batch_op.add_column(sa.Column('consensus_method', sa.String(length=32), nullable=False, server_default='auto'))



def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('consensus_method')
        batch_op.drop_column('gold_rate')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_project_id_is_gold_id'))
        batch_op.drop_column('is_gold')
        batch_op.drop_column('gold')

    with op.batch_alter_table('consensus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consensus_project_id_question_confidence'))

    op.drop_table('consensus')
    op.drop_table('worker_skill')
    op.drop_table('quality_fits')
