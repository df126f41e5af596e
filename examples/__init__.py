"""Runnable examples of daji_async (see each folder's module docstrings)."""
