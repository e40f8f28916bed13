"""Import and export of roadmaps in the documented YAML/JSON format (docs/roadmap-format.md)."""
