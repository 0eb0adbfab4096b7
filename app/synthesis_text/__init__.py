"""Text tools for the synthesis workspace: pure Python and numpy, no Flask nor database imports.

from app.synthesis_text import Candidate, suggest
suggestions = suggest([Candidate(id=1, group=10, text="..."), ...])
"""

from app.synthesis_text.similarity import (
    DEFAULT_THRESHOLD,
    FRENCH_STOP_WORDS,
    Candidate,
    Suggestion,
    normalise,
    suggest,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "FRENCH_STOP_WORDS",
    "Candidate",
    "Suggestion",
    "normalise",
    "suggest",
]
