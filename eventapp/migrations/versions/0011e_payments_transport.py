"""Transport beside the per diem: a rate per category and a default on the sheet, a per-person
override (either amount may now be overridden alone), and the transport frozen on paid lines.

Sheets paid before keep their lines as they were: transport 0, the amount unchanged.

Revision ID: 0011e_transport
Revises: 0010_names
"""
from alembic import op
import sqlalchemy as sa

revision = '0011e_transport'
down_revision = '0011a_categories'
branch_labels = None
depends_on = None


# payment_sheets is the parent of payment_lines and payment_overrides (ON DELETE CASCADE): a
# batch "copy and move" of it on SQLite would drop the old table and, with foreign keys on,
# delete every line and override with it. Its columns are added and dropped in place instead
# (ALTER TABLE … ADD/DROP COLUMN: PostgreSQL, and SQLite since 3.35).


def upgrade():
    op.add_column('payment_sheets', sa.Column('default_transport', sa.Integer(), server_default='0', nullable=False))
    op.add_column('payment_sheets', sa.Column('transport_rates', sa.Text(), server_default='{}', nullable=False))
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
    op.execute("ALTER TABLE payment_sheets DROP COLUMN transport_rates")
    op.execute("ALTER TABLE payment_sheets DROP COLUMN default_transport")
