"""The project, not an app: settings, the root URLconf, WSGI/ASGI entry points, reading the
environment, and the error pages. It may import any app; no app imports it."""
