"""The database layer: connection, schema and migrations, writes, queries.

The only place SQL lives.
"""
