"""Personal calendar feed (secret URL)."""
