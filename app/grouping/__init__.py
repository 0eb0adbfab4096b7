"""Group-assignment engine (issue 3): pure Python, no Flask nor database imports."""
