"""The registry's client side: SDK, Arrow mapping, dataset cleaner, Great Expectations adapter."""
