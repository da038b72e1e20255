"""``python -m safezones.cli``: the command line."""

from safezones.cli import main

main()
