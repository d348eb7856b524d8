"""The bundle loader: valid specs load; each invalid one names file:line:col and what is allowed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sovbundle.errors import BundleError, SpecIssue
from sovbundle.spec.loader import MAX_ISSUES, LoadedBundle, load_bundle, parse_bundle
from sovbundle.spec.model import BundleSpec, DatabaseComponent, VmComponent

VALID = """\
version: 1
name: demo
constraints:
  countries: [FR]
  eu_jurisdiction: true
policy:
  max_monthly_eur: 4000
  min_providers: 2
  max_provider_share: 0.6
components:
  web: {kind: app, runtime: python, instances: 2, vcpus: 1, memory_gb: 2}
  api: {kind: vm, count: 3, vcpus: 4, memory_gb: 16, arch: x86_64}
  db:
    kind: database
    engine: postgresql
    memory_gb: 4
    storage_gb: 80
    high_availability: true
    certifications: [hds]
  files: {kind: object_storage, storage_gb: 2000, egress_gb_month: 300}
  infer: {kind: vm, gpus: 1, gpu_memory_gb: 24}
  cluster: {kind: kubernetes, nodes: 3, vcpus: 4, memory_gb: 16}
links:
  - {from: web, to: db, gb_month: 200, colocate: provider}
  - {from: db, to: files, gb_month: 50}
  - {from: db, to: files, apart: provider}
"""


def write(tmp_path: Path, text: str, name: str = "bundle.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def issues_of(tmp_path: Path, text: str) -> list[SpecIssue]:
    path = write(tmp_path, text)
    with pytest.raises(BundleError) as caught:
        load_bundle(path)
    return caught.value.issues


def test_valid_spec_loads_with_its_hash(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    loaded = load_bundle(path)
    assert isinstance(loaded, LoadedBundle)
    assert loaded.path == path
    assert len(loaded.sha256) == 64
    spec = loaded.spec
    assert spec.name == "demo"
    assert spec.constraints.countries == ("FR",)
    assert set(spec.components) == {"web", "api", "db", "files", "infer", "cluster"}
    db = spec.components["db"]
    assert isinstance(db, DatabaseComponent) and db.certifications == ("hds",)
    infer = spec.components["infer"]
    assert isinstance(infer, VmComponent) and infer.gpus == 1
    assert spec.links[0].from_ == "web" and spec.links[0].colocate == "provider"
    assert spec.policy.max_provider_share == 0.6


def test_utf8_bom_comments_anchors_and_merge_keys_are_accepted(tmp_path: Path) -> None:
    text = """\
    # a comment
    version: 1
    name: anchors
    components:
      a: &vm {kind: vm, vcpus: 2, memory_gb: 4, countries: [FR]}
      b:
        <<: *vm
        vcpus: 8
    """
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(text).encode())
    spec = load_bundle(path).spec
    b = spec.components["b"]
    assert isinstance(b, VmComponent)
    assert (b.vcpus, b.memory_gb, b.countries) == (8, 4, ("FR",))


def test_yaml_12_scalars_norway_stays_a_country(tmp_path: Path) -> None:
    text = VALID.replace("countries: [FR]", "countries: [FR, NO]")
    spec = load_bundle(write(tmp_path, text)).spec
    assert spec.constraints.countries == ("FR", "NO")


def test_spec_is_usable_from_python_with_lists() -> None:
    spec = BundleSpec.model_validate(
        {
            "version": 1,
            "name": "py",
            "constraints": {"countries": ["FR"]},
            "components": {"a": {"kind": "vm"}, "b": {"kind": "object_storage", "storage_gb": 1}},
            "links": [{"from": "a", "to": "b"}],
        }
    )
    assert spec.links[0].to == "b"


def test_python_users_get_unknown_link_errors_too() -> None:
    with pytest.raises(ValueError, match=r"links\[0\]\.to names unknown component 'zz'"):
        BundleSpec.model_validate(
            {
                "version": 1,
                "name": "py",
                "components": {"a": {"kind": "vm"}},
                "links": [{"from": "a", "to": "zz"}],
            }
        )


def test_python_users_get_link_contradictions_too() -> None:
    with pytest.raises(ValueError, match=r"links\[1\]: 'apart: region' asks for different"):
        BundleSpec.model_validate(
            {
                "version": 1,
                "name": "py",
                "components": {"a": {"kind": "vm"}, "b": {"kind": "vm"}},
                "links": [
                    {"from": "a", "to": "b", "colocate": "region"},
                    {"from": "b", "to": "a", "apart": "region"},
                ],
            }
        )


def test_colocated_providers_may_still_be_apart_by_region(tmp_path: Path) -> None:
    text = VALID.replace(
        "{from: db, to: files, gb_month: 50}", "{from: db, to: files, colocate: provider}"
    ).replace("{from: db, to: files, apart: provider}", "{from: db, to: files, apart: region}")
    path = tmp_path / "bundle.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_bundle(path).spec.links[2].apart == "region"


INVALID: list[tuple[str, str, str, tuple[int, int]]] = [
    (
        "unknown key with did-you-mean and allowed keys",
        VALID.replace("count: 3, vcpus: 4", "count: 3, vcpu: 4"),
        "unknown key 'vcpu' in component 'api' (did you mean 'vcpus'?); allowed: countries,",
        (12, 29),
    ),
    (
        "unknown top-level key that belongs under constraints",
        VALID.replace("name: demo\n", "name: demo\ncountries: [FR]\n"),
        "unknown key 'countries' in the bundle; 'countries' belongs under 'constraints'",
        (3, 1),
    ),
    (
        "key of another kind",
        VALID.replace("engine: postgresql", "engine: postgresql\n    gpus: 1"),
        "unknown key 'gpus' in component 'db'; 'gpus' is a key of vm components",
        (16, 5),
    ),
    (
        "unknown kind",
        VALID.replace("kind: vm, count", "kind: vmm, count"),
        "components.api.kind: unknown kind 'vmm' (did you mean 'vm'?); allowed: vm, app,",
        (12, 15),
    ),
    (
        "missing kind",
        VALID.replace("{kind: kubernetes, nodes", "{nodes"),
        "component 'cluster' has no 'kind'; allowed kinds: vm, app, database",
        (22, 3),
    ),
    (
        "unknown provider",
        VALID.replace("eu_jurisdiction: true", "eu_jurisdiction: true\n  providers: [ovh]"),
        "constraints.providers[0]: unknown provider 'ovh' (did you mean 'ovhcloud'?); allowed: "
        "ovhcloud, scaleway, clevercloud, outscale, rapidspace",
        (6, 15),
    ),
    (
        "unknown certification",
        VALID.replace("certifications: [hds]", "certifications: [hds, secnumclod]"),
        "components.db.certifications[1]: unknown certification 'secnumclod' "
        "(did you mean 'secnumcloud'?); allowed: secnumcloud, hds,",
        (19, 27),
    ),
    (
        "unknown runtime",
        VALID.replace("runtime: python", "runtime: pyhton"),
        "components.web.runtime: unknown runtime 'pyhton' (did you mean 'python'?)",
        (11, 29),
    ),
    (
        "unknown engine",
        VALID.replace("engine: postgresql", "engine: postgres"),
        "components.db.engine: unknown engine 'postgres' (did you mean 'postgresql'?); "
        "allowed: postgresql, mysql, mongodb, redis, elasticsearch",
        (15, 13),
    ),
    (
        "link to a missing component",
        VALID.replace("{from: db, to: files, gb_month", "{from: db, to: filez, gb_month"),
        "links[1].to: unknown component 'filez' (did you mean 'files'?); components are: api,",
        (25, 20),
    ),
    (
        "link from a missing component",
        VALID.replace("{from: web, to: db", "{from: wbe, to: db"),
        "links[0].from: unknown component 'wbe' (did you mean 'web'?)",
        (24, 12),
    ),
    (
        "count below one",
        VALID.replace("count: 3", "count: 0"),
        "components.api.count: must be an integer ≥ 1 (got 0)",
        (12, 26),
    ),
    (
        "negative storage",
        VALID.replace("storage_gb: 2000", "storage_gb: -5"),
        "components.files.storage_gb: must be a number ≥ 0 (got -5)",
        (20, 45),
    ),
    (
        "huge number",
        VALID.replace("nodes: 3", "nodes: 99999999999999999999"),
        "components.cluster.nodes: must be an integer ≤ 10000 (got 99999999999999999999)",
        (22, 38),
    ),
    (
        "not a number",
        VALID.replace("memory_gb: 16, arch", "memory_gb: .nan, arch"),
        "components.api.memory_gb: must be a finite number (got nan)",
        (12, 50),
    ),
    (
        "infinity",
        VALID.replace("max_monthly_eur: 4000", "max_monthly_eur: .inf"),
        "policy.max_monthly_eur: must be a finite number (got inf)",
        (7, 20),
    ),
    (
        "string where an integer is needed",
        VALID.replace("min_providers: 2", 'min_providers: "2"'),
        "policy.min_providers: must be an integer (got the string '2'); write 2 without quotes",
        (8, 18),
    ),
    (
        "string where a boolean is needed",
        VALID.replace("high_availability: true", 'high_availability: "true"'),
        "components.db.high_availability: must be true or false (got the string 'true')",
        (18, 24),
    ),
    (
        "yes is not a boolean in YAML 1.2",
        VALID.replace("eu_jurisdiction: true", "eu_jurisdiction: yes"),
        "constraints.eu_jurisdiction: must be true or false (got the string 'yes')",
        (5, 20),
    ),
    (
        "number where a string is needed",
        VALID.replace("name: demo", "name: 2024"),
        "name: must be a string (got 2024); quote it if you mean the text '2024'",
        (2, 7),
    ),
    (
        "lowercase country",
        VALID.replace("countries: [FR]", "countries: [fr]"),
        "constraints.countries[0]: must be an ISO 3166-1 alpha-2 country code in capitals, "
        "such as FR or DE (got the string 'fr') (did you mean 'FR'?)",
        (4, 15),
    ),
    (
        "a single country instead of a list",
        VALID.replace("countries: [FR]", "countries: FR"),
        "constraints.countries: must be a list such as [FR, DE] (got the string 'FR')",
        (4, 14),
    ),
    (
        "missing required key",
        VALID.replace("    engine: postgresql\n", ""),
        "component 'db': missing required key 'engine' (a database component needs it); "
        "allowed engines: postgresql,",
        (13, 3),
    ),
    (
        "missing top-level components",
        "version: 1\nname: x\n",
        "the bundle: missing required key 'components'",
        (1, 1),
    ),
    (
        "wrong version",
        VALID.replace("version: 1", "version: 2"),
        "version: must be 1, the only bundle spec version (got 2)",
        (1, 10),
    ),
    (
        "bad component name",
        VALID.replace("  api: {", "  API: {"),
        "component name 'API' must be 1-63 lowercase letters, digits, '_' or '-'",
        (12, 3),
    ),
    (
        "colocate and apart together",
        VALID.replace("apart: provider", "apart: provider, colocate: region"),
        "links[2]: a link cannot both colocate and keep apart its components",
        (26, 34),
    ),
    (
        # Regression: contradictory links passed validation and only failed at plan time
        # (exit 4), although no catalog could ever satisfy them.
        "apart contradicted by a colocation in another link",
        VALID.replace(
            "{from: db, to: files, gb_month: 50}", "{from: db, to: files, colocate: region}"
        ),
        "links[2]: 'apart: provider' asks for different providers for 'db' and 'files', "
        "but other links colocate them on the same provider",
        (26, 34),
    ),
    (
        "apart contradicted through a chain of colocations",
        VALID.replace(
            "{from: db, to: files, gb_month: 50}", "{from: web, to: files, colocate: provider}"
        ),
        "links[2]: 'apart: provider' asks for different providers for 'db' and 'files'",
        (26, 34),
    ),
    (
        "link from a component to itself",
        VALID.replace("{from: db, to: files, apart", "{from: db, to: db, apart"),
        "links[2]: a link must join two components, not 'db' to itself",
        (26, 20),
    ),
    (
        "gpus 0 with a GPU model",
        VALID.replace("{kind: vm, gpus: 1,", "{kind: vm, gpus: 0,"),
        "components.infer: gpus is 0 but gpu_model or gpu_memory_gb asks for a GPU",
        (21, 27),
    ),
    (
        "share above one",
        VALID.replace("max_provider_share: 0.6", "max_provider_share: 1.5"),
        "policy.max_provider_share: must be a number ≤ 1 (got 1.5)",
        (9, 23),
    ),
    (
        "duplicate key at component level",
        VALID.replace("memory_gb: 4\n", "memory_gb: 4\n    memory_gb: 8\n"),
        "duplicate key 'memory_gb' (first defined at 16:5)",
        (17, 5),
    ),
    (
        "duplicate component",
        VALID.replace("  files: {", "  web: {kind: app, runtime: go}\n  files: {"),
        "duplicate key 'web' (first defined at 11:3)",
        (20, 3),
    ),
    (
        "unsafe python tag",
        VALID.replace("name: demo", "name: !!python/object/apply:os.system [ls]"),
        "tag '!!python/object/apply:os.system' is not allowed",
        (2, 7),
    ),
    (
        "components as a list",
        "version: 1\nname: x\ncomponents:\n  - web\n",
        "components: must be a mapping from component names to components",
        (4, 3),
    ),
    (
        "no components",
        "version: 1\nname: x\ncomponents: {}\n",
        "components: at least one component is required",
        (3, 1),
    ),
    (
        "not a mapping at the top",
        "- a\n- b\n",
        "a bundle must be a mapping with keys such as version, name and components (got a list)",
        (1, 1),
    ),
    (
        "tab in indentation",
        "version: 1\ncomponents:\n\tweb: {kind: app}\n",
        "YAML syntax error: tab character; YAML indents with spaces, not tabs",
        (3, 1),
    ),
    (
        "unclosed flow mapping",
        "version: 1\ncomponents:\n  web: {kind: app\nname: x\n",
        "YAML syntax error:",
        (4, 5),
    ),
]


@pytest.mark.parametrize(
    ("text", "fragment", "where"),
    [pytest.param(text, fragment, where, id=case) for case, text, fragment, where in INVALID],
)
def test_invalid_spec_is_located_and_explained(
    tmp_path: Path, text: str, fragment: str, where: tuple[int, int]
) -> None:
    issues = issues_of(tmp_path, text)
    matching = [issue for issue in issues if fragment in issue.message]
    assert matching, "\n".join(map(str, issues))
    assert (matching[0].line, matching[0].column) == where, "\n".join(map(str, issues))
    assert str(matching[0]).startswith(f"{tmp_path / 'bundle.yaml'}:{where[0]}:{where[1]}: ")


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        VALID.replace("count: 3", "count: 0")
        .replace("runtime: python", "runtime: pyhton")
        .replace("to: filez", "to: files")
        .replace("{from: db, to: files, gb_month", "{from: db, to: nope, gb_month")
        .replace("memory_gb: 4\n", "memory_gb: 4\n    memory_gb: 8\n")
    )
    messages = [issue.message for issue in issues_of(tmp_path, text)]
    assert len(messages) == 4, messages
    assert any("count" in m for m in messages)
    assert any("pyhton" in m for m in messages)
    assert any("'nope'" in m for m in messages)
    assert any("duplicate key 'memory_gb'" in m for m in messages)


def test_issues_are_capped(tmp_path: Path) -> None:
    components = "".join(f"  c{i}: {{kind: vm, count: 0}}\n" for i in range(MAX_ISSUES + 50))
    issues = issues_of(tmp_path, f"version: 1\nname: x\ncomponents:\n{components}")
    assert len(issues) == MAX_ISSUES + 1
    assert issues[0].line == 0 and "50 more hidden" in issues[0].message


def test_alias_positions_point_at_the_anchor(tmp_path: Path) -> None:
    text = "version: 1\nname: x\ncomponents:\n  a: &bad {kind: vm, count: -1}\n  b: *bad\n"
    issues = issues_of(tmp_path, text)
    assert [(i.line, i.column) for i in issues] == [(4, 29), (4, 29)]
    assert {i.message.split(":")[0] for i in issues} == {
        "components.a.count",
        "components.b.count",
    }


def test_parse_bundle_takes_bytes_and_a_name() -> None:
    with pytest.raises(BundleError) as caught:
        parse_bundle(b"version: 1\n", "inline.yaml")
    assert str(caught.value.issues[0]).startswith("inline.yaml:1:1: the bundle: missing")


def test_a_component_name_with_a_line_break_is_shown_escaped_on_one_line() -> None:
    # Found by the loader fuzz test: a component named "\n" gave a two-line message.
    raw = b'version: 1\nname: x\ncomponents:\n  "\\n": 3\n'
    with pytest.raises(BundleError) as caught:
        parse_bundle(raw, "b.yaml")
    messages = [issue.message for issue in caught.value.issues]
    assert messages and all("\n" not in m for m in messages)
    assert any("components['\\n']" in m for m in messages)
