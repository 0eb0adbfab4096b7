"""peer groups: rounds, peer groups and their members (issue 3)

Three new tables; no existing row is touched.

Revision ID: 5424a88c64be
Revises: d9dccc955ebb
Create Date: 2026-11-26 19:31:38.278759
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5424a88c64be'
down_revision: str | None = 'd9dccc955ebb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_round_status')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_round_number_positive')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_round_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('workshop_id', 'number', name=op.f('uq_round_workshop_id_number'))
    )
    op.create_index(op.f('ix_round_workshop_id'), 'round', ['workshop_id'], unique=False)
    op.create_table('peer_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=80), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_peer_group_position_positive')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_peer_group_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_group')),
    sa.UniqueConstraint('id', 'round_id', name=op.f('uq_peer_group_id_round_id')),
    sa.UniqueConstraint('round_id', 'position', name=op.f('uq_peer_group_round_id_position'))
    )
    op.create_index(op.f('ix_peer_group_round_id'), 'peer_group', ['round_id'], unique=False)
    op.create_table('group_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('member', 'rapporteur', 'timekeeper', 'table_host', 'facilitator')", name=op.f('ck_group_member_role')),
    sa.ForeignKeyConstraint(['group_id', 'round_id'], ['peer_group.id', 'peer_group.round_id'], name=op.f('fk_group_member_group_id_peer_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_group_member_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_group_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_member')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_group_member_round_id_user_id'))
    )
    op.create_index(op.f('ix_group_member_group_id'), 'group_member', ['group_id'], unique=False)
    op.create_index(op.f('ix_group_member_registration_id'), 'group_member', ['registration_id'], unique=False)
    op.create_index(op.f('ix_group_member_user_id'), 'group_member', ['user_id'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index(op.f('ix_group_member_user_id'), table_name='group_member')
    op.drop_index(op.f('ix_group_member_registration_id'), table_name='group_member')
    op.drop_index(op.f('ix_group_member_group_id'), table_name='group_member')
    op.drop_table('group_member')
    op.drop_index(op.f('ix_peer_group_round_id'), table_name='peer_group')
    op.drop_table('peer_group')
    op.drop_index(op.f('ix_round_workshop_id'), table_name='round')
    op.drop_table('round')
