"""Plain ``--help`` screens: no ``{BUNDLE}``, ``<path>``, ``<list[str]>`` or ``[x>=0]``.

typer's plain (non-rich) help decorates each parameter with its Python type and range, and
brackets required arguments in braces; sovbundle's help texts already say what each value is.
``Command`` and ``Group`` strip those decorations when help is formatted (never at start-up:
``sovbundle --help`` stays fast), and every command's help ends with real examples
(``sovbundle.cli._examples``). A test walks every command's help for leftovers.
"""

from __future__ import annotations

from typing import Any

import typer.core

__all__ = ["Command", "Group"]


def _usage_name(param: Any) -> str:
    name = str(getattr(param, "display_name_raw", None) or param.human_readable_name)
    if not param.required:
        name = f"[{name}]"
    if param.nargs != 1:
        name += "..."
    return name


def _plain(params: list[Any]) -> None:
    for param in params:
        # Instance attributes shadow typer's methods for this help screen's parameters only.
        param._get_number_range_help_str = lambda: None
        if param.param_type_name == "argument":  # options name their value by metavar
            param.display_type_rich = lambda ctx: None
            param.display_type = lambda ctx: None
            param._usage_display_name = lambda param=param: _usage_name(param)


def _light_flags(params: list[Any]) -> list[Any]:
    """Give boolean flags typer's pass-through coercion up front.

    typer builds each parameter's coercion on first use, through pydantic for anything but a
    bool flag already holding a bool; ``--help``, ``--install-completion`` and
    ``--show-completion`` hold ``None`` when absent, so every command line imported pydantic
    (~0.2 s) just to pass ``None`` through. A bool needs no adapter: pass it through. Skipped
    silently if typer's internals differ (``tests/cli`` checks that help loads no pydantic).
    """
    try:
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:  # pragma: no cover - another typer
        return params
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if getattr(param, "_runtime_param", 0) is None and (
            descriptor is not None and descriptor.annotation is bool
        ):
            param._runtime_param = PassThroughRuntimeParam(
                annotation=bool, parameter_info=descriptor.parameter_info
            )
    return params


class Command(typer.core.TyperCommand):
    """A command whose help screen is plain text without type decorations."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _light_flags(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain(self.params)
        super().format_help(ctx, formatter)


class Group(typer.core.TyperGroup):
    """A group whose help screen is plain text without type decorations."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _light_flags(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain(self.params)
        super().format_help(ctx, formatter)
