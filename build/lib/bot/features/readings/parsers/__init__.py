"""Parsers, one per file format; each turns a file into ``ParsedWork`` records."""
