"""Hybrid FAISS + BM25 search over the service guides; start at `search.service` (README.md)."""
