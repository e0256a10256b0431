"""citations."""
