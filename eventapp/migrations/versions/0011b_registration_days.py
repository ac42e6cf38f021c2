"""Events of several days: a registration may be for some days of its event only.

A registration with no row in registration_days is for every day of its event, as every
registration was before: existing data keeps its meaning.

Revision ID: 0011b_registration_days
Revises: 0010_names
"""
from alembic import op
import sqlalchemy as sa

revision = '0011b_registration_days'
down_revision = '0011e_transport'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_days',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_days_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', 'day', name=op.f('pk_registration_days'))
    )


def downgrade():
    op.drop_table('registration_days')
