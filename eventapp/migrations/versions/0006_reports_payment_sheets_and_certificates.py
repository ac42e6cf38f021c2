"""Reports: transport and per diem payment sheets (rates, overrides, lines frozen when paid)
and certificates of attendance with their public check codes.

Revision ID: 0006_reports
Revises: 0001_initial
Create Date: 2026-11-30 04:53:24.281187

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_reports'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('default_rate', sa.Integer(), nullable=False),
    sa.Column('rates', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_payment_sheets_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_payment_sheets_paid_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_sheets')),
    sa.UniqueConstraint('event_id', name=op.f('uq_payment_sheets_event_id'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_certificates_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_certificates_registration_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_event_id'), ['event_id'], unique=False)

    op.create_table('payment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=120), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('rate', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_payment_lines_registration_id_registrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sheet_id'], ['payment_sheets.id'], name=op.f('fk_payment_lines_sheet_id_payment_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_lines'))
    )
    with op.batch_alter_table('payment_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_lines_sheet_id'), ['sheet_id'], unique=False)

    op.create_table('payment_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('rate', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_payment_overrides_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['payment_sheets.id'], name=op.f('fk_payment_overrides_sheet_id_payment_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_overrides')),
    sa.UniqueConstraint('sheet_id', 'registration_id', name='uq_payment_overrides_sheet_registration')
    )
    with op.batch_alter_table('payment_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_overrides_sheet_id'), ['sheet_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payment_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_overrides_sheet_id'))

    op.drop_table('payment_overrides')
    with op.batch_alter_table('payment_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_lines_sheet_id'))

    op.drop_table('payment_lines')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_event_id'))

    op.drop_table('certificates')
    op.drop_table('payment_sheets')
