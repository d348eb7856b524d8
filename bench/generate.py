"""Seeded generators: bundles of N components with every global constraint, synthetic catalogs.

Everything is drawn from ``random.Random(seed)``, so a (size, seed) pair is always the same
instance. Generated bundles are built to be feasible on the packaged catalog and on generated
catalogs: colocated pairs share a kind, ``apart`` links form a forest over VMs (two providers
colour it), and the budget is loose enough to be met but still a row of the model.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from tests.support.synthetic import app, bundle, catalog, database, kube, provider, storage, vm

from sovbundle.catalog.query import Catalog
from sovbundle.models import PROVIDER_IDS, Certification, Source
from sovbundle.spec.model import BundleSpec

COUNTRIES = ("FR", "DE", "NL", "PL")
RUNTIMES = ("python", "node", "php")
ENGINES = ("postgresql", "mysql", "redis", "mongodb")


def _component(rng: random.Random, kind: str) -> dict[str, Any]:
    if kind == "vm":
        return {
            "kind": "vm",
            "count": rng.choice([1, 1, 2, 3]),
            "vcpus": rng.choice([1, 2, 4, 8]),
            "memory_gb": rng.choice([2, 4, 8, 16, 32]),
        }
    if kind == "app":
        return {
            "kind": "app",
            "runtime": rng.choice(RUNTIMES),
            "instances": rng.choice([1, 2]),
            "vcpus": rng.choice([1, 2]),
            "memory_gb": rng.choice([1, 2, 4]),
        }
    if kind == "database":
        engine = rng.choice(ENGINES)
        found: dict[str, Any] = {
            "kind": "database",
            "engine": engine,
            "memory_gb": rng.choice([2, 4, 8]),
        }
        if engine != "redis":  # cache engines sell memory, not extensible storage
            found["storage_gb"] = rng.choice([10, 20, 40])
        return found
    if kind == "object_storage":
        return {
            "kind": "object_storage",
            "storage_gb": rng.choice([100, 500, 2000]),
            "egress_gb_month": rng.choice([0, 0, 100, 500]),
        }
    return {
        "kind": "kubernetes",
        "nodes": rng.choice([1, 3]),
        "vcpus": rng.choice([2, 4]),
        "memory_gb": rng.choice([4, 8]),
    }


KIND_WEIGHTS = {"vm": 45, "app": 20, "database": 20, "object_storage": 13, "kubernetes": 2}


def bundle_spec(components: int, seed: int = 1) -> BundleSpec:
    """A feasible bundle of ``components`` components with links and every global constraint:
    ``min_providers``, ``max_provider_share``, a budget, ``colocate`` (provider and region),
    ``apart`` and priced cross-provider traffic."""
    rng = random.Random(seed)
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    names = [f"c{index:04d}" for index in range(components)]
    comps = {name: _component(rng, rng.choices(kinds, weights)[0]) for name in names}
    if components >= 3:  # the spread constraints need a VM, an app and a database at least
        comps[names[0]] = _component(rng, "vm")
        comps[names[1]] = _component(rng, "app")
        comps[names[2]] = _component(rng, "database")
    links: list[dict[str, Any]] = []
    apart_root: dict[str, str] = {}

    def root(name: str) -> str:
        while apart_root.get(name, name) != name:
            name = apart_root[name]
        return name

    for index in range(1, components):
        src, dst = names[index], names[rng.randrange(index)]
        link: dict[str, Any] = {"from": src, "to": dst, "gb_month": rng.choice([0, 20, 50, 200])}
        same_kind = comps[src]["kind"] == comps[dst]["kind"]
        roll = rng.random()
        if same_kind and comps[src]["kind"] == "vm" and roll < 0.08:
            link["colocate"] = "region"
        elif same_kind and comps[src] == comps[dst] and roll < 0.2:
            link["colocate"] = "provider"  # twins: the same providers can host both
        elif same_kind and comps[src]["kind"] == "vm" and roll < 0.3 and root(src) != root(dst):
            link["apart"] = "provider"
            apart_root[root(src)] = root(dst)
        links.append(link)
    policy: dict[str, Any] = {"max_monthly_eur": 2000.0 * components}
    if components >= 3:
        policy.update(min_providers=3, max_provider_share=0.6)
    return bundle(
        comps,
        name=f"generated-{components}",
        links=links,
        policy=policy,
        constraints={"countries": list(COUNTRIES), "eu_jurisdiction": True},
    )


GEN_SOURCE = Source(kind="api", url="https://catalog.example.test/v1", as_of="2026-11-20")
REGIONS_PER_PROVIDER = 4


def _price(rng: random.Random, base: float) -> str:
    return f"{base * rng.uniform(0.6, 1.6):.2f}"


def synthetic_catalog(offers: int, seed: int = 7) -> Catalog:
    """A catalog of about ``offers`` offers over the five providers, four EU regions each (and
    one US region), every kind, HDS in some regions, egress prices per provider."""
    rng = random.Random(seed)
    provs = []
    regions: dict[str, list[str]] = {}
    for number, pid in enumerate(PROVIDER_IDS):
        ids = {f"{pid[:3]}-{c.lower()}{number}": c for c in COUNTRIES[:REGIONS_PER_PROVIDER]}
        ids[f"{pid[:3]}-us"] = "US"
        prov = provider(pid, ids, egress=rng.choice(["0", "0.01", "0.02", "0.05"]))
        hds = Certification(id="hds", scope="IaaS", regions=tuple(list(ids)[:1]), source=GEN_SOURCE)
        provs.append(prov.model_copy(update={"certifications": (hds,)}))
        regions[pid] = list(ids)
    made = []
    # Kubernetes control planes: two per region (each pairs with every node offer there).
    for pid in PROVIDER_IDS:
        for region in regions[pid]:
            for tier in range(2):
                made.append(kube(pid, region, f"k8s-{tier}", "0" if tier == 0 else "70"))
    kinds = ["vm"] * 55 + ["app"] * 15 + ["database"] * 20 + ["object_storage"] * 10
    for index in range(offers - len(made)):
        pid = rng.choice(PROVIDER_IDS)
        region = rng.choice(regions[pid])
        kind = rng.choice(kinds)
        certs = ("hds",) if region == regions[pid][0] and rng.random() < 0.5 else ()
        sku = f"{kind[:2]}-{index}"
        if kind == "vm":
            vcpus = rng.choice([1, 2, 4, 8, 16, 32])
            memory = vcpus * rng.choice([1, 2, 4, 8])
            made.append(
                vm(pid, region, sku, _price(rng, 6.0 * vcpus), vcpus=vcpus, memory=str(memory),
                   certs=certs)
            )  # fmt: skip
        elif kind == "app":
            vcpus = rng.choice([1, 2, 4])
            runtimes = tuple(sorted(rng.sample(RUNTIMES, rng.randint(1, 3))))
            made.append(
                app(pid, region, sku, _price(rng, 9.0 * vcpus), runtimes, str(vcpus),
                    str(vcpus * rng.choice([1, 2, 4])), certs=certs)
            )  # fmt: skip
        elif kind == "database":
            memory = rng.choice([1, 2, 4, 8, 16, 32])
            made.append(
                database(pid, region, sku, _price(rng, 12.0 * memory), rng.choice(ENGINES),
                         memory_gb=Decimal(memory), storage_gb=Decimal(rng.choice([10, 50])),
                         extra_storage_gb_month=Decimal("0.2"), certs=certs)
            )  # fmt: skip
        else:
            made.append(
                storage(pid, region, sku, _price(rng, 0.012), rng.choice(["0", "0.01", "0.02"]),
                        certs=certs)
            )  # fmt: skip
    return catalog(provs, made)
