"""Readings: the parsed course texts and the library that finds them."""

from bot.readings.library import Library, load_library
from bot.readings.models import Reading

__all__ = ["Library", "Reading", "load_library"]
