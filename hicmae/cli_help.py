"""The ``--help`` layout of every tool under tools/ (argparse only: the
light tools import it before torch)."""
import argparse
import copy


def _real_default(action: argparse.Action) -> bool:
    default = action.default
    return not (default in (None, False, True, argparse.SUPPRESS)
                or default == [])


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """argparse's formatter that appends ``(default: X)`` to an option's
    help when it has a real default (not ``None``, ``[]``, a flag's
    ``False`` or ``True``) that the help text does not already state, also
    for options written without help."""

    def _format_action(self, action: argparse.Action) -> str:
        if not action.help and action.option_strings and \
                _real_default(action):
            action = copy.copy(action)  # argparse skips actions without help
            action.help = '(default: %(default)s)'
        return super()._format_action(action)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ''
        if not _real_default(action) or '%(default)' in text \
                or 'default' in text.lower():
            return text
        if action.option_strings or action.nargs in (argparse.OPTIONAL,
                                                     argparse.ZERO_OR_MORE):
            return f'{text} (default: %(default)s)'.strip()
        return text
