"""The HTTP API: handlers, body limits, error rendering and the route table."""
