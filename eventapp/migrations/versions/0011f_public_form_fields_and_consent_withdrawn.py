"""The public form's choice of fields (events.public_form_fields) and consents not given vs withdrawn.

events.public_form_fields: which optional fields the organizer has the public form ask (JSON,
NULL for the defaults). consents.withdrawn: a consent not given is "withdrawn" only when one of
the same kind was given before; earlier rows are filled in from their history, so an unticked
box on the public form, until now counted as withdrawn, becomes "not given".

Revision ID: 0011f_public_form
Revises: 0010_names
"""
import sqlalchemy as sa
from alembic import op

revision = '0011f_public_form'
down_revision = '0011c_item_roles'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_form_fields', sa.JSON(), nullable=True))
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn', sa.Boolean(), server_default=sa.false(), nullable=False))
    consents = sa.table('consents', sa.column('id', sa.Integer), sa.column('person_id', sa.Integer),
                        sa.column('kind', sa.String), sa.column('given', sa.Boolean),
                        sa.column('recorded_at', sa.DateTime), sa.column('withdrawn', sa.Boolean))
    earlier = consents.alias('earlier')
    given_before = sa.exists().where(
        earlier.c.person_id == consents.c.person_id, earlier.c.kind == consents.c.kind,
        earlier.c.given == sa.true(),
        sa.or_(earlier.c.recorded_at < consents.c.recorded_at,
               sa.and_(earlier.c.recorded_at == consents.c.recorded_at, earlier.c.id < consents.c.id)))
    op.execute(consents.update().where(consents.c.given == sa.false(), given_before).values(withdrawn=True))


def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('withdrawn')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('public_form_fields')
