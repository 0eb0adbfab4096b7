"""Browser tests: the system Chromium driven by Playwright against a live server."""
