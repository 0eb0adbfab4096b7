"""Load benchmark of the shared notes (issue 4): see README.md."""
