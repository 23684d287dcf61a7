"""`python -m orch_cli` runs the orch command."""

from orch_cli.app import main

main()
