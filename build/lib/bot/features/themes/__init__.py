"""Theme fingerprints of readings: keyphrases + course glossary + Keywords, with evidence."""

from bot.features.themes.engine import Fingerprint, Theme, ThemeEngine

__all__ = ["Fingerprint", "Theme", "ThemeEngine"]
