"""Core of the WDP dashboard: configuration and the database layer (the only place SQL lives).

Dependency direction: pages -> wdp.ui -> wdp.db.queries -> wdp.db.connection. Neither this package
nor ``etl`` imports streamlit except ``wdp.ui`` (a test scans imports to keep it so).
"""
