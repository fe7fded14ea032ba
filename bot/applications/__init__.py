"""Pre-filled applications: encrypted store, printable HTML/PDF documents, HTTP router."""
