"""Channel adapters and the public HTTP gateway."""
