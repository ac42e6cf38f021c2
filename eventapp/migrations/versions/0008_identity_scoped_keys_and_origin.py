"""Idempotency keys scoped to their event; a registration's submission key; who typed a person.

Issue 11, items 1-3: ``client_id`` of check-ins and scan logs is unique per (event, client_id)
instead of across events; registrations keep the submission key that made them (walk-ins,
the public form), unique per event; persons record the channel that made them (``origin``),
so that organizers see which possible duplicates were typed by an unchecked channel.

Revision ID: 0008_identity
Revises: 0007_trust
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_identity'
down_revision = '0007_trust'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint('uq_checkins_client_id', type_='unique')
        batch_op.create_unique_constraint('uq_checkins_event_client_id', ['event_id', 'client_id'])
    with op.batch_alter_table('scan_logs', schema=None) as batch_op:
        batch_op.drop_constraint('uq_scan_logs_client_id', type_='unique')
        batch_op.create_unique_constraint('uq_scan_logs_event_client_id', ['event_id', 'client_id'])
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_registrations_event_client_id', ['event_id', 'client_id'])
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), server_default='organizer', nullable=False))


def downgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_registrations_event_client_id', type_='unique')
        batch_op.drop_column('client_id')
    with op.batch_alter_table('scan_logs', schema=None) as batch_op:
        batch_op.drop_constraint('uq_scan_logs_event_client_id', type_='unique')
        batch_op.create_unique_constraint('uq_scan_logs_client_id', ['client_id'])
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint('uq_checkins_event_client_id', type_='unique')
        batch_op.create_unique_constraint('uq_checkins_client_id', ['client_id'])
