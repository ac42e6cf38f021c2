"""A session generation per staff account, so old sessions can be ended (issue 11, item 6).

Revision ID: 0009_sessions
Revises: 0008_identity
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_sessions'
down_revision = '0008_identity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
