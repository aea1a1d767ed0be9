"""The registry server: app wiring, settings, domain, storage backends, HTTP API and CLI."""
