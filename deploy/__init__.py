"""Running the dashboard beyond one process: throw-away local servers (`make cluster`) and
examples for real servers (nginx, systemd)."""
