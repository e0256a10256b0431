"""Seminar Bot: the Discord-agnostic core of a reading-seminar bot."""
