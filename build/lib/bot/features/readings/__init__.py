"""Readings: the parsed course texts and the library that finds them."""

from bot.features.readings.library import Library, load_library
from bot.features.readings.models import Reading

__all__ = ["Library", "Reading", "load_library"]
