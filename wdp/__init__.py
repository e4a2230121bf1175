"""The WDP programme dashboard's core: the vocabulary (``domain``), settings (``config``), the
database (``db``), statistics, charts, the board pack, the use cases (``services``) and the app's
shared parts (``ui``).

Layers import downwards only: domain < db < etl and charts < board pack < services < ui < pages
and CLI (README "How it is built"; ``tests/test_architecture.py`` keeps it so).
"""
