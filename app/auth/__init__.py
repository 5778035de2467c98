"""Authentication: bearer tokens (JWT) to the actor every request and event carries."""
