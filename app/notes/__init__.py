"""Shared note capture: each group's live note space, its JSON feed and API, the facilitators' dashboard."""
