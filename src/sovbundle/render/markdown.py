"""Markdown for pull-request comments: a plan (``--format markdown``), and the shared helpers.

GitHub-flavoured markdown, in the spirit of Infracost's comment: a summary line, a per-provider
table, the lines, warnings. A comment holds at most ``MARKDOWN_LIMIT`` characters: longer
output is cut at a line boundary (open ``<details>`` closed) with a note saying so.
Every value from a plan is escaped: a SKU or a warning cannot inject markup or HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from sovbundle.plan import ConstraintEvidence, PlacementRow, Plan, coverage_line
from sovbundle.render.plan import EVIDENCE_POLICY_TITLE, assumption_line, eur, evidence_cost_line

__all__ = [
    "MARKDOWN_LIMIT",
    "escape",
    "evidence_counts",
    "evidence_table",
    "fit",
    "plan_markdown",
    "plan_sections",
    "source_link",
    "table",
]

MARKDOWN_LIMIT = 65_536
"""GitHub's limit on a comment's body, in characters."""

_SPECIAL = set("\\`*_[]<>|~#&!")


def escape(text: str) -> str:
    """``text`` as literal markdown (inline, table-safe): punctuation escaped, one line."""
    flat = " ".join(text.split())
    return "".join(f"\\{ch}" if ch in _SPECIAL else ch for ch in flat)


def table(
    header: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()
) -> list[str]:
    """A markdown table; ``right`` are the indices of right-aligned columns (cells escaped by
    the caller, so that they may hold emphasis)."""
    aligned = set(right)
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in aligned else "---" for i in range(len(header))) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def fit(lines: list[str], what: str, limit: int = MARKDOWN_LIMIT) -> str:
    """The lines as one text of at most ``limit`` characters: cut at a line with a note when
    longer (``what`` names the command that prints it all)."""
    text = "\n".join(lines) + "\n"
    if len(text) <= limit:
        return text
    total = len(lines)
    kept: list[str] = []
    size = 0
    open_details = 0
    note_room = 400
    for line in lines:
        closing = len("</details>\n") * open_details
        if size + len(line) + 1 + closing + note_room > limit:
            break
        kept.append(line)
        size += len(line) + 1
        open_details += line.count("<details>") - line.count("</details>")
    # A table row or a list item cut short would run into the note: end the block first.
    kept.append("")
    kept.extend(["</details>"] * max(open_details, 0))
    kept.append(
        f"> **Truncated:** {len(kept) - 1 - max(open_details, 0)} of {total} lines shown; a "
        f"GitHub comment holds at most {limit:,} characters. Run `{what}` for the whole output."
    )
    return "\n".join(kept) + "\n"


def _quantity(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_UNITS = {"gb_month": " GB", "gb": " GB"}


def placement_cells(row: PlacementRow) -> list[str]:
    kind = row.kind if row.part in ("instance", "storage") else f"{row.kind} {row.part}"
    return [
        escape(row.component),
        escape(kind),
        escape(row.provider),
        escape(f"{row.region} ({row.country})"),
        f"`{row.sku}`" if not {"`", "|"} & set(row.sku) else escape(row.sku),
        escape(f"{_quantity(row.quantity)}{_UNITS.get(row.price_unit, '')}"),
        eur(row.monthly),
        escape(", ".join(row.certifications) or "-"),
    ]


def summary_text(plan: Plan) -> str:
    components = len({row.component for row in plan.placements})
    providers = len({row.provider for row in plan.placements})
    proof = "proven optimal" if plan.status == "optimal" else f"{plan.status}, not proven optimal"
    return (
        f"{components} component{'s' * (components != 1)} on {providers} "
        f"provider{'s' * (providers != 1)}, {eur(plan.total_monthly)} EUR/month, {proof}"
    )


def provider_table(plan: Plan) -> list[str]:
    rows = [[escape(pid), eur(amount)] for pid, amount in plan.by_provider.items()]
    rows.append(["**total**", f"**{eur(plan.total_monthly)}**"])
    return table(["provider", "EUR/month"], rows, right=[1])


def plan_sections(plan: Plan, *, warnings: bool = True) -> list[str]:
    """The body of a plan's markdown, without its heading (``diff`` nests it, without the
    warnings it shows itself)."""
    lines = [*provider_table(plan), ""]
    header = ["component", "kind", "provider", "region", "SKU", "quantity", "EUR/month",
              "certifications"]  # fmt: skip
    lines += [*table(header, (placement_cells(r) for r in plan.placements), right=[5, 6]), ""]
    if plan.links:
        rows = [
            [
                escape(link.from_),
                escape(link.to),
                "yes" if link.cross_provider else "no",
                f"{link.gb_month:f}",
                eur(link.monthly),
            ]
            for link in plan.links
        ]
        lines += ["**Links**", ""]
        header = ["from", "to", "crosses providers", "GB/month", "egress EUR/month"]
        lines += [*table(header, rows, right=[3, 4]), ""]
    if plan.constraints:
        met = sum(1 for c in plan.constraints if c.ok)
        lines += [
            f"<details><summary>Constraints: {met} of {len(plan.constraints)} met</summary>",
            "",
        ]
        rows = [
            [
                "✓" if c.ok else "✗",
                escape(c.name),
                escape(c.required),
                escape(c.actual),
                evidence_counts(c.evidence),
            ]
            for c in plan.constraints
        ]
        header = ["", "constraint", "required", "actual", "evidence"]
        lines += [*table(header, rows), ""]
        lines += evidence_table(plan)
        lines += ["</details>", ""]
    if plan.explain is not None:
        lines += ["<details><summary>Runner-ups and constraint costs</summary>", ""]
        rows = [
            [
                escape(r.component),
                escape(f"{r.provider}/{r.region}/{r.sku}")
                if r.provider
                else "none: no other placement is feasible",
                eur(r.delta_monthly, signed=True),
            ]
            for r in plan.explain.runner_ups
        ]
        lines += [*table(["component", "runner-up", "EUR/month"], rows, right=[2]), ""]
        costs = sorted(plan.explain.constraint_costs, key=lambda c: -c.delta_monthly)
        rows = [[escape(c.name), eur(c.delta_monthly, signed=True)] for c in costs]
        lines += [*table(["constraint", "costs EUR/month"], rows, right=[1]), ""]
        if plan.explain.unknown_evidence:
            lines += [f"**{escape(EVIDENCE_POLICY_TITLE.capitalize())}**", ""]
            for cost in plan.explain.unknown_evidence:
                lines.append(f"- {escape(evidence_cost_line(cost, plan.total_monthly))}")
                lines += [f"  - assumed {escape(assumption_line(a))}" for a in cost.assumptions]
            lines.append("")
        lines += ["</details>", ""]
    if warnings and plan.all_warnings:
        lines += ["**Warnings**", ""]
        lines += [f"- {escape(w)}" for w in plan.all_warnings]
        lines.append("")
    lines.append(footer(plan))
    return lines


def footer(plan: Plan) -> str:
    catalogs = ", ".join(
        f"{ref.provider} {ref.fetched_at[:10]} ({ref.source})" for ref in plan.catalogs
    )
    body = f" · body `{plan.body_sha256[:12]}`" if plan.body_sha256 else ""
    return (
        f"<sub>sovbundle {escape(plan.sovbundle_version)} · bundle `{plan.bundle.sha256[:12]}`"
        f"{body} · catalogs: {escape(catalogs)}</sub>"
    )


def plan_markdown(plan: Plan, what: str = "sovbundle show PLAN.json") -> str:
    """A plan as a pull-request comment, at most ``MARKDOWN_LIMIT`` characters."""
    lines = [
        f"### sovbundle plan {escape(plan.bundle.name)}: {eur(plan.total_monthly)} EUR/month",
        "",
        f"**Plan:** {summary_text(plan)}",
        "",
        *(
            [f"**Prices:** {escape(coverage_line(plan.coverage))}", ""]
            if plan.coverage is not None
            else []
        ),
        *plan_sections(plan),
    ]
    return fit(lines, what)


_URL_UNSAFE = {ch: f"%{ord(ch):02X}" for ch in " \"'()<>[]\\`|"}


_CODE_HOSTS = ("github.com", "gitlab.com")


def source_link(url: str | None) -> str:
    """A source as a short markdown link, ``[example.org](https://example.org/x)``: its host
    (on a code host, ``github.com/owner/repo``) as the text (escaped), the characters that
    could end the link or the table cell percent-encoded; a source that is no http(s) URL is
    shown escaped, ``-`` when none."""
    if not url:
        return "-"
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https") or not rest.split("/", 1)[0]:
        return escape(url)
    host = rest.split("/", 1)[0]
    if host in _CODE_HOSTS:  # github.com/owner/repo: the host alone says little
        host = "/".join(rest.split("/")[:3])
    target = "".join(_URL_UNSAFE.get(ch, ch) for ch in " ".join(url.split()))
    return f"[{escape(host)}]({target})"


def evidence_table(plan: Plan) -> list[str]:
    """Each constraint's evidence per placed offer: component, placement, fact, direct or
    assumed, source and date, in the plan's order (constraints, then their rows)."""
    rows = []
    for constraint in plan.constraints:
        found = constraint.evidence
        for item in found.rows if found is not None else ():
            date = item.as_of or "undated"
            if item.valid_until:
                date += f", valid until {item.valid_until}"
            rows.append(
                [
                    escape(constraint.name),
                    escape(item.component),
                    escape(f"{item.provider}/{item.region}/{item.sku}"),
                    escape(item.fact),
                    item.basis if item.basis == "direct" else "**assumed**",
                    source_link(item.source),
                    escape(date),
                ]
            )
    if not rows:
        return []
    header = ["constraint", "component", "placement", "fact", "basis", "source", "date"]
    return ["**Evidence per placement**", "", *table(header, rows), ""]


def evidence_counts(found: ConstraintEvidence | None) -> str:
    """``2 of 3 direct (1 assumed)``; ``-`` for a constraint on no sourced fact."""
    if found is None:
        return "-"
    text = f"{found.direct} of {found.placements} direct"
    return text + (f" ({found.assumed} assumed)" if found.assumed else "")
