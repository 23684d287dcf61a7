"""The root of the orch command."""

import typer

from orch_cli import __version__

app = typer.Typer(name="orch", help="Schema migrations for many databases from one repository.")


@app.callback(invoke_without_command=True)
def root(
    version: bool = typer.Option(False, "--version", help="Print orch's version and exit."),
) -> None:
    """Schema migrations for many databases from one repository."""
    if version:
        typer.echo(f"orch {__version__}")


def main() -> None:
    """Run the orch command."""
    app()
