"""Web channel: the REST form of the chat (and the embeddable widget)."""
