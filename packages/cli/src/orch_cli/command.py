"""OrchCommand: every orch command, refusing by name an option it would otherwise ignore."""

from __future__ import annotations

import click
from click.core import ParameterSource
from typer.core import TyperCommand

from orch_cli.errors import report


class OrchCommand(TyperCommand):
    """A command that checks its options against flags.py's table before it runs."""

    def invoke(self, ctx: click.Context) -> object:
        """Refuse an option the command cannot honour with exit 2, else run the command."""
        # Without an option on the command line nothing can be refused, and the table is not
        # even imported: a plain `orch heads` pays nothing for it.
        if _options_given(ctx):
            from orch_cli.flags import refusal

            refused = refusal(ctx)
            if refused is not None:
                report(refused, bool(ctx.params.get("as_json")))
                ctx.exit(refused.exit_code)
        return super().invoke(ctx)


def _options_given(ctx: click.Context) -> bool:
    """Return whether the command line gave the command or the root any option."""
    for each in (ctx, ctx.find_root()):
        for param in each.command.params:
            given = each.get_parameter_source(str(param.name)) is ParameterSource.COMMANDLINE
            if given and isinstance(param, click.Option):
                return True
    return False
