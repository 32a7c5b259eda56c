"""``--help`` of every tool under tools/ names its positional arguments and
shows its defaults (issue 21)."""
import argparse
import inspect
import sys

import pytest
from tool_loader import REPO_ROOT, load_tool

TOOLS = sorted(
    str(p.relative_to(REPO_ROOT / 'tools'))
    for p in (REPO_ROOT / 'tools').rglob('*.py')
    if "__name__ == '__main__'" in p.read_text())


class _Parser(Exception):
    """Carries the parser a tool built out of its ``parse_args`` call."""


def _capture(self, *args, **kwargs):
    raise _Parser(self)


def tool_parser(relpath: str, monkeypatch) -> argparse.ArgumentParser:
    # tools/data/* import their shared helpers by name, as scripts do
    monkeypatch.syspath_prepend(str((REPO_ROOT / 'tools' / relpath).parent))
    module = load_tool(relpath)
    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', _capture)
    monkeypatch.setattr(argparse.ArgumentParser, 'parse_known_args',
                        _capture)
    for name in ('parse_args', 'main'):
        func = getattr(module, name, None)
        if func is None:
            continue
        try:
            if inspect.signature(func).parameters:
                func(['--help'])
            else:
                monkeypatch.setattr(sys, 'argv', [relpath, '--help'])
                func()
        except _Parser as found:
            return found.args[0]
    raise AssertionError(f'tools/{relpath} built no argument parser')


def _parsers(parser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def _shown_default(action) -> bool:
    default = action.default
    return default in (None, False, True, argparse.SUPPRESS) or \
        default == [] or not action.option_strings


@pytest.mark.parametrize('relpath', TOOLS)
def test_help_names_positionals_and_shows_defaults(relpath, monkeypatch):
    for parser in _parsers(tool_parser(relpath, monkeypatch)):
        text = ' '.join(parser.format_help().split())
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(
                    action, argparse._HelpAction):
                continue
            if not action.option_strings:
                assert action.help, \
                    f'tools/{relpath}: positional {action.dest} unexplained'
            elif not _shown_default(action):
                said = 'default' in (action.help or '').lower()
                shown = f'(default: {action.default})' in text
                assert said or shown, \
                    f'tools/{relpath}: {action.option_strings[0]} hides ' \
                    f'its default {action.default!r}'
