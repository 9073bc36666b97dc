"""The HubEE-compatible REST API (Folder API 1.2.7) — routes map HTTP to core services (issue: the API)."""
