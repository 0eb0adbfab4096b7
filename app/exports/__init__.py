"""Renderers: pure functions from data to bytes (ics, csv, xlsx, ...); no Flask, no SQL."""
