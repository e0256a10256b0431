"""The features, one package each; :func:`load_commands` registers every command they declare.

Importing this package imports no feature, so a feature module may import another one's
models without a cycle; the registry calls :func:`load_commands` before its first dispatch.
"""

from importlib import import_module

COMMAND_MODULES = (  # in the order !help and the README list them
    "bot.features.readings.commands",
    "bot.features.citations.commands",
    "bot.features.themes.commands",
    "bot.features.prompts.commands",
    "bot.features.responses.commands",
    "bot.features.responses.privacy",
)


def load_commands() -> None:
    """Import every feature's command module, which registers its commands (idempotent)."""
    for name in COMMAND_MODULES:
        import_module(name)
