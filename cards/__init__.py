"""Adaptive Cards: pure builders from typed views to card JSON (schema 1.5). No I/O, no clock."""
