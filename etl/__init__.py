"""ETL for the WDP programme: read returns and reference data, validate with pydantic, load DuckDB.

No streamlit here. SQL lives in ``wdp.db``; this package decides what to load, ``wdp.db.writes``
writes it.
"""
