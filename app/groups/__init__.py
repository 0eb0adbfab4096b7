"""Peer groups (sous-groupes): the facilitator's grouping tool and the participant's own group."""
