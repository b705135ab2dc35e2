"""Writes, one module per part of the domain; views and commands call these."""
