"""Admin: accounts and the pathfinder register. Render only: see wdp.ui.admin."""

from wdp import ui
from wdp.ui import admin, auth

ui.setup_page("Admin")
auth.require("admin")
admin.accounts_section()
admin.register_section()
