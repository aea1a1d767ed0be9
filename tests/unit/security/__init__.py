"""Unit tests of the security package: rate limits, tokens, the access guard."""
