"""The use cases, once: what a person can do with the programme's data, whoever asks.

The command line (``etl.cli``) and the app (``wdp.ui``, the pages and the sign-in routes) are thin
shells over these: they gather the arguments, call one function here and show the outcome. So a
rule (who may submit for which pathfinder, what makes a valid account or password, which
pathfinder a lead's board pack shows, when guessing a password is stopped) is written once and
holds the same everywhere.

- ``returns``: load returns, the preview before confirming, the template, the quarter due.
- ``accounts``: accounts (each change audited) and the pathfinder register.
- ``signin``: signing in and out, sessions, the guard against guessing, unlocking.
- ``packs``: a person's board pack.   ``backups``: backups and restores.
- ``evaluation``: fix an evaluation's analysis plan, and run the study on it.
"""

from wdp.services.accounts import (
    AccountChange,
    CsvError,
    account_problems,
    read_register_file,
    remove_account,
    replace_register,
    save_account,
    set_account_disabled,
)
from wdp.services.backups import backup, migrate_to, restore
from wdp.services.evaluation import (
    PlanAlreadyFixed,
    evaluate,
    fix_evaluation_plan,
    plan_for,
)
from wdp.services.packs import (
    DEFAULT_AUDIENCE,
    PackView,
    account_for,
    compose_pack,
    default_audience,
    pack_view,
)
from wdp.services.returns import (
    LoadReport,
    check_upload,
    load_returns,
    load_upload,
    next_period_due,
    template_bytes,
)
from wdp.services.signin import unlock

__all__ = [
    "DEFAULT_AUDIENCE",
    "AccountChange",
    "CsvError",
    "LoadReport",
    "PackView",
    "PlanAlreadyFixed",
    "account_for",
    "account_problems",
    "backup",
    "check_upload",
    "compose_pack",
    "default_audience",
    "evaluate",
    "fix_evaluation_plan",
    "load_returns",
    "load_upload",
    "migrate_to",
    "next_period_due",
    "pack_view",
    "plan_for",
    "read_register_file",
    "remove_account",
    "replace_register",
    "restore",
    "save_account",
    "set_account_disabled",
    "template_bytes",
    "unlock",
]
