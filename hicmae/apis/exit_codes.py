"""Exit statuses shared by the tools that run a model on many inputs
(tools/inference.py, tools/extract_features.py, tools/data/crop_faces.py),
so a script can tell a partial result from no result."""

#: every input was used
OK = 0
#: nothing ran: the config, checkpoint or model cannot be used
SETUP_FAILED = 1
#: the command line is wrong (argparse's own status): an argument, an input
#: pattern that matches nothing, an output that cannot be written, a device
#: that is not there
USAGE = 2
#: some inputs were skipped (each named, with its reason); the others' results
#: were written
SOME_FAILED = 3
#: no input could be used
NONE_WORKED = 4

EPILOG = ('exit status: 0 all inputs used; 1 nothing ran (config, '
          'checkpoint or model unusable); 2 bad arguments (nothing run: '
          'inputs, output, device); 3 some inputs skipped (named on stderr '
          'and in the output), the rest written; 4 no input could be used')


def outcome(total: int, failed: int) -> int:
    """The status of a run over ``total`` inputs of which ``failed``
    could not be used."""
    if failed and failed >= total:
        return NONE_WORKED
    return SOME_FAILED if failed else OK
