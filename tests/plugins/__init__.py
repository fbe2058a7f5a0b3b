"""Plugin tests: helpers and an example plugin installed as its own distribution."""
