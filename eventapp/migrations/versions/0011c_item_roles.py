"""A role per agenda item held, and the official's sex for the words of their role (issue 13, items 6 and 7).

An official had one role for every item they held: the one who opens was shown speaking at the
closing too. Each link between an official and an agenda item now has its own role, first the
official's role at the event (so nothing shown changes until the organizer says otherwise).
``officials.sex`` ('' unknown: the honorific says it, 'F' or 'M') makes French labels agree
with the person ("Invitée d'honneur").

Revision ID: 0011c_item_roles
Revises: 0010_names
"""
from alembic import op
import sqlalchemy as sa

revision = '0011c_item_roles'
down_revision = '0010_names'
branch_labels = None
depends_on = None


def upgrade():
    # Columns added in place: copying ``officials`` on SQLite would delete its links (see downgrade).
    with op.batch_alter_table('agenda_item_officials', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=30), server_default='speaker', nullable=False))
    op.execute(
        "UPDATE agenda_item_officials SET role = "
        "(SELECT officials.role FROM officials WHERE officials.id = agenda_item_officials.official_id)"
    )
    with op.batch_alter_table('officials', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=1), server_default='', nullable=False))


def downgrade():
    # Dropped in place (SQLite 3.35+ has DROP COLUMN), never by copying the table: on SQLite,
    # with foreign keys on, dropping the old ``officials`` would delete every link to it.
    with op.batch_alter_table('officials', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('sex')
    with op.batch_alter_table('agenda_item_officials', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('role')
