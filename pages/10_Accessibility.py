"""The accessibility statement: open to everyone, signed in or not (wdp.ui.accessibility)."""

from wdp.ui import accessibility, page

page.setup(__file__, banner=False)
accessibility.statement()
