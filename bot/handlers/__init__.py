"""Command handlers, one module per feature; importing this package registers them all."""

from importlib import import_module

HANDLER_MODULES = [
    "bot.handlers.prompts",
    "bot.handlers.readings",
    "bot.handlers.responses",
    "bot.handlers.privacy",
    "bot.handlers.cite",
    "bot.handlers.themes",
]

for _name in HANDLER_MODULES:
    import_module(_name)
