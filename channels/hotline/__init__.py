"""12345 hotline agent assist: suggestions and ticket drafts from transcribed caller speech."""
