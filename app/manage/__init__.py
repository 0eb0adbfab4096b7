"""The back office of facilitators and administrators (`/gestion`)."""
