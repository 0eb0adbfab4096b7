"""The account blueprint."""
