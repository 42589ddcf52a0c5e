"""``python -m orbitcloud`` runs the command line."""

from orbitcloud.cli.main import main

main()
