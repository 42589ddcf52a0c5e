"""Scheduling: placement policies behind one small protocol."""
