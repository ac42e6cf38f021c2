"""Administrative letters: a short answer code per registration; the event's letter fields.

Issue 13, item 8. ``registrations.answer_code`` is the short code of the personal answer link,
typed by hand from a printed letter (12 characters without look-alikes, unique): existing
registrations are given one here. The event gets the prefix of its letters' reference, the
signatory entered by hand (name and title) and the venue as a sentence says it.

Columns are only added (with a unique index), so SQLite needs no table copy: a copy of
``registrations`` or ``events`` would drop the rows that reference them.

Revision ID: 0011d_letters
Revises: 0010_names
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0011d_letters'
down_revision = '0011b_registration_days'
branch_labels = None
depends_on = None

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # core.tokens.ANSWER_CODE_ALPHABET, as it was written
LENGTH = 12


def _codes(n):
    codes = set()
    while len(codes) < n:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))
    return list(codes)


def upgrade():
    op.add_column('registrations', sa.Column('answer_code', sa.String(length=16), nullable=True))
    registrations = sa.table('registrations', sa.column('id', sa.Integer), sa.column('answer_code', sa.String))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.select(registrations.c.id))]
    if ids:
        connection.execute(registrations.update().where(registrations.c.id == sa.bindparam('rid'))
                           .values(answer_code=sa.bindparam('code')),
                           [{'rid': rid, 'code': code} for rid, code in zip(ids, _codes(len(ids)), strict=True)])
    op.create_index(op.f('ix_registrations_answer_code'), 'registrations', ['answer_code'], unique=True)
    for name, length in (('letter_reference_prefix', 80), ('letter_signatory_name', 200),
                         ('letter_signatory_title', 300), ('venue_phrase', 300)):
        op.add_column('events', sa.Column(name, sa.String(length=length), server_default='', nullable=False))


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), never a batch copy of the tables (see above).
    for name in ('venue_phrase', 'letter_signatory_title', 'letter_signatory_name', 'letter_reference_prefix'):
        op.drop_column('events', name)
    op.drop_index(op.f('ix_registrations_answer_code'), table_name='registrations')
    op.drop_column('registrations', 'answer_code')
