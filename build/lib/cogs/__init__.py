"""Thin discord.py extensions: parse arguments, call the core in ``bot/``, render the Reply."""
