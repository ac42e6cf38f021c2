"""One spelling of the organizer in identifiers: rename events.organiser and events.organiser_logo.

The role is ``organizer``; the event's columns were spelled ``organiser``. Only the names change:
the values (the organizer's name, the logo's file name in instance/uploads) stay as they are.

Revision ID: 0010_names
Revises: 0009_sessions
"""
from alembic import op

revision = '0010_names'
down_revision = '0009_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('organiser', new_column_name='organizer')
        batch_op.alter_column('organiser_logo', new_column_name='organizer_logo')


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('organizer', new_column_name='organiser')
        batch_op.alter_column('organizer_logo', new_column_name='organiser_logo')
