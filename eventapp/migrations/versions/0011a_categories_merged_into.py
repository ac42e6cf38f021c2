"""Categories can be merged: categories.merged_into_id points at the category kept.

A merged category is retired and keeps its code (codes are stable for reports and files); its
persons were moved to the kept category, and a file naming it is read as the kept one.

Revision ID: 0011a_categories
Revises: 0010_names
"""
from alembic import op
import sqlalchemy as sa

revision = '0011a_categories'
down_revision = '0011f_public_form'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_categories_merged_into_id_categories'), 'categories',
                                    ['merged_into_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_categories_merged_into_id_categories'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
