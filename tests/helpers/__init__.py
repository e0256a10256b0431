"""Test helpers: fakes, dpytest glue, PDF maker, and the repository paths."""
