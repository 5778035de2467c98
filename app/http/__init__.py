"""What the HTTP edge checks before GraphQL runs: body size and encoding, rate, time."""
