"""The app's shared parts; the only package besides ``pages/`` and ``dashboard.py`` that imports
streamlit (``tests/test_architecture.py``).

- ``pages``: every page's spec (script, title, icon, roles, presentation slide), read by the menu,
  the role check and presentation mode.
- ``page``: page furniture (set-up and the sign-in gate, charts with their data, definitions).
- ``data``: the database as the reader may see it, its named reads cached, problems as sentences.
- ``exports``: safe CSV downloads.  ``filters``: filters in the URL, and the menu that carries
  them.  ``auth``: signing in.
- One module per page that needs more than the shared parts, holding only its widgets:
  ``training``, ``status``, ``screening``, ``activity``, ``upload``, ``admin``, ``board_pack``.
"""
