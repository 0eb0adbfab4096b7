"""The registrations blueprint."""
