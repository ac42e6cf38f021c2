"""Transport beside the per diem: a rate per category and a default on the sheet, a per-person
override (either amount may now be overridden alone), and the transport frozen on paid lines.

Sheets paid before keep their lines as they were: transport 0, the amount unchanged.

Revision ID: 0011e_transport
Revises: 0010_names
"""
from alembic import op
import sqlalchemy as sa

revision = '0011e_transport'
down_revision = '0010_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_transport', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('transport_rates', sa.Text(), server_default='{}', nullable=False))
    with op.batch_alter_table('payment_overrides', schema=None) as batch_op:
        batch_op.alter_column('rate', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('transport', sa.Integer(), nullable=True))
    with op.batch_alter_table('payment_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transport', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('payment_lines', schema=None) as batch_op:
        batch_op.drop_column('transport')
    # An override of the transport alone has no per-day amount to keep: it goes.
    op.execute("DELETE FROM payment_overrides WHERE rate IS NULL")
    with op.batch_alter_table('payment_overrides', schema=None) as batch_op:
        batch_op.drop_column('transport')
        batch_op.alter_column('rate', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('payment_sheets', schema=None) as batch_op:
        batch_op.drop_column('transport_rates')
        batch_op.drop_column('default_transport')
