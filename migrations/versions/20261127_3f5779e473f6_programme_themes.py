"""programme themes: themes and dismissed suggestions of the programme roll-up (issue 5)

A theme belongs to a workshop or to a programme (exactly one); a note sits in at most one theme at
each level. Existing themes and their notes stay the workshops' own. Downgrading deletes the
programme-level themes and dismissals (the older schema cannot hold them).

Revision ID: 3f5779e473f6
Revises: 8c8236caf2ef
Create Date: 2026-11-27 00:35:01.159282
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3f5779e473f6'
down_revision: str | None = '8c8236caf2ef'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('dismissed_suggestion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_dismissed_suggestion_programme_id'), ['programme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dismissed_suggestion_programme_id_programme'), 'programme', ['programme_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_dismissed_suggestion_one_scope'), '(workshop_id IS NULL) <> (programme_id IS NULL)')

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_theme_programme_id'), ['programme_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_theme_programme_id_name'), ['programme_id', 'name'])
        batch_op.create_foreign_key(batch_op.f('fk_theme_programme_id_programme'), 'programme', ['programme_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_theme_one_scope'), '(workshop_id IS NULL) <> (programme_id IS NULL)')

    # Every existing membership is a workshop theme's.
    with op.batch_alter_table('theme_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=10), nullable=True))
    op.execute("UPDATE theme_note SET level = 'workshop'")
    with op.batch_alter_table('theme_note', schema=None) as batch_op:
        batch_op.alter_column('level', existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_theme_note_note_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_theme_note_note_id_level'), ['note_id', 'level'])
        batch_op.create_check_constraint(batch_op.f('ck_theme_note_known_level'), "level IN ('workshop', 'programme')")


def downgrade() -> None:
    """Revert this migration (the programme roll-up's themes and dismissals are deleted)."""
    op.execute("DELETE FROM theme_note WHERE level = 'programme'")
    op.execute("DELETE FROM theme WHERE programme_id IS NOT NULL")
    op.execute("DELETE FROM dismissed_suggestion WHERE programme_id IS NOT NULL")
    with op.batch_alter_table('theme_note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_theme_note_known_level'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_theme_note_note_id_level'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_theme_note_note_id'), ['note_id'])
        batch_op.drop_column('level')

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_theme_one_scope'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_theme_programme_id_programme'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_theme_programme_id_name'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_theme_programme_id'))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('programme_id')

    with op.batch_alter_table('dismissed_suggestion', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_dismissed_suggestion_one_scope'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_dismissed_suggestion_programme_id_programme'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dismissed_suggestion_programme_id'))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('programme_id')
