"""``sovbundle validate`` and ``sovbundle schema``: check a bundle spec, print its JSON Schema.

The loader and pydantic are imported inside the commands so that ``sovbundle --help`` stays fast.
"""

from pathlib import Path
from typing import Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.cli._examples import EXAMPLES
from sovbundle.cli._help import Command

__all__ = ["schema", "schema_bytes", "validate"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@app.command(cls=Command, epilog=EXAMPLES["validate"])
def validate(
    bundle: Annotated[
        Path,
        typer.Argument(
            help="The bundle spec file (YAML); - reads it from standard input.",
            metavar="BUNDLE",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print {"format_version", "valid", "errors": [{file, line, column, message, '
            "suggestion}]} on stdout (exit 3 when invalid).",
        ),
    ] = False,
) -> None:
    """Check a bundle spec; print every error with file:line:column (exit 3 when invalid)."""
    from sovbundle.spec.loader import load_bundle

    if not as_json:
        loaded = load_bundle(bundle)
        spec = loaded.spec
        typer.echo(
            f"ok: {_plural(len(spec.components), 'component')}, {_plural(len(spec.links), 'link')}"
        )
        return
    import json

    from sovbundle.cli.formats import issue_json
    from sovbundle.envelope import envelope
    from sovbundle.errors import BundleError

    try:
        loaded = load_bundle(bundle)
    except BundleError as exc:
        errors = [issue_json(issue) for issue in exc.issues]
        document = envelope("errors", errors, valid=False)
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        raise
    counts = {"components": len(loaded.spec.components), "links": len(loaded.spec.links)}
    typer.echo(json.dumps(envelope("errors", [], valid=True, **counts), indent=2))


def schema_bytes(price_book: bool = False) -> bytes:
    """The bundle (or price book) JSON Schema exactly as ``sovbundle schema`` prints it (and
    as committed)."""
    import json

    if price_book:
        from sovbundle.spec.pricebook import json_schema
    else:
        from sovbundle.spec.model import json_schema

    return (json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n").encode()


@app.command(cls=Command, epilog=EXAMPLES["schema"])
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the schema to FILE (atomically) instead of stdout (`-`).",
        ),
    ] = None,
    price_book: Annotated[
        bool, typer.Option("--price-book", help="The schema of price book files instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of bundle spec files (or price books), for editors and CI."""
    payload = schema_bytes(price_book)
    from sovbundle.atomic import STDOUT, write_output

    write_output(output or STDOUT, payload, "the schema")
    if output is not None and str(output) != STDOUT:
        typer.echo(f"wrote {output}", err=True)
