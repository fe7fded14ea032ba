"""Service-guide knowledge base: schema, loading, validation, import."""
