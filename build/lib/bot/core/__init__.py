"""Shared pieces of the core: command registry, replies, errors, text, times, clock, console."""
