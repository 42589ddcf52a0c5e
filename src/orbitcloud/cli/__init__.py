"""The ``orbitcloud`` command line."""
