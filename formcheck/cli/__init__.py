"""The command line: ``formcheck analyze|pose|synth|live|models`` (one module per sub-command).

:func:`formcheck.cli.main.main` is the entry point and the only place that exits.
"""
