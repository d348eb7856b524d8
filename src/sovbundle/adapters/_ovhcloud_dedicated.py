"""OVHcloud dedicated servers (``/order/catalog/public/eco``: Kimsufi, So you Start, Rise).

Each ``plans[]`` entry is a server sold in the datacentres of its ``dedicated_datacenter``
configuration. Its monthly price is the ``renew`` row of mode ``default`` over one month (no
commitment), plus the same row of the default addon of every mandatory addon family (memory,
storage, bandwidth...; usually 0). The one-time ``installation`` fee is not a monthly cost and is
only reported in the source note. Hardware is split between the plan's product (CPU) and the
default addons' products (memory, disks). Other memory / storage options and commitment
discounts are not modelled: one offer per server and datacentre, in its default configuration.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from sovbundle.adapters._payload import Payload, plain
from sovbundle.models import Offer, Price, PriceUnit, Source, VmSpecs

__all__ = ["ECO_PATH", "PRICE_SCALE", "dedicated_offers"]

ECO_PATH = "/order/catalog/public/eco"
PRICE_SCALE = Decimal("1E-8")
"""Order-catalog prices (cloud and eco) are integers in 1e-8 of the currency (the schema says
"micro-cents", but ``formattedPrice`` shows 1e-8 in every recorded body)."""
_ARCH_BY_BRAND: dict[str, Literal["x86_64", "arm64"]] = {
    "intel": "x86_64",
    "amd": "x86_64",
    "ampere": "arm64",
}


def dedicated_offers(
    reader: Payload, body: Any, regions: set[str], source_url: str, as_of: str
) -> list[Offer]:
    """Offers of every server plan of an ``eco`` catalog body, per known datacentre."""
    catalog = reader.mapping(body, "")
    reader.require_eur(reader.obj(catalog, "locale", ""), "currencyCode", "locale")
    products = _index(reader, catalog, "products", "name")
    addons = _index(reader, catalog, "addons", "planCode")
    offers: list[Offer] = []
    names: set[str] = set()
    for i, item in enumerate(reader.array(catalog, "plans", "")):
        path = f"plans[{i}]"
        plan = reader.mapping(item, path)
        plan_code = reader.string(plan, "planCode", path)
        monthly = _renew(reader, plan, path)
        if monthly is None:
            continue  # sold only with a commitment: no comparable monthly list price
        setup = _installation(reader, plan, path)
        hardware = _default_addons(reader, plan, path, addons, products)
        memory_gb, disk_gb, addon_price, extras, parts = hardware
        product_name = reader.string(plan, "product", path)
        if product_name not in products:
            raise reader.error(f"unknown product {product_name!r}", f"{path}.product")
        product_path, product = products[product_name]
        blobs = reader.obj(product, "blobs", product_path)
        technical = reader.obj(blobs, "technical", f"{product_path}.blobs")
        server_path = f"{product_path}.blobs.technical.server"
        server = reader.obj(technical, "server", f"{product_path}.blobs.technical")
        cpu = reader.obj(server, "cpu", server_path)
        cpu_path = f"{server_path}.cpu"
        brand = reader.string(cpu, "brand", cpu_path)
        arch = _ARCH_BY_BRAND.get(brand.lower())
        if arch is None:
            raise reader.error(f"unknown CPU brand {brand!r}", f"{cpu_path}.brand")
        threads = reader.integer(cpu, "threads", cpu_path, minimum=1)
        sockets = reader.integer(cpu, "number", cpu_path, minimum=1) if "number" in cpu else 1
        specs = VmSpecs(
            vcpus=threads * sockets,
            memory_gb=memory_gb,
            disk_gb=disk_gb,
            arch=arch,
            dedicated=True,
        )
        invoice = reader.string(plan, "invoiceName", path)
        name = invoice.split("|")[0].strip() or plan_code
        sku = name if name not in names else f"{name} ({plan_code})"
        names.add(sku)
        note = (
            f"plan {plan_code} ({invoice}), default configuration ({', '.join(parts)}); "
            f"monthly renew price without commitment{extras}; one-time installation fee "
            f"{setup} EUR not included; disk_gb is the raw capacity of all disks before RAID"
        )
        price = Price(amount=plain(monthly + addon_price), unit=PriceUnit.MONTH)
        source = Source(kind="api", url=source_url, as_of=as_of, note=note)
        for datacentre in _datacentres(reader, plan, path):
            if datacentre in regions:
                offers.append(
                    Offer(
                        provider="ovhcloud",
                        kind="vm",
                        sku=sku,
                        region=datacentre,
                        specs=specs,
                        price=price,
                        source=source,
                    )
                )
    return offers


def _index(
    reader: Payload, catalog: dict[str, Any], key: str, name: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for i, item in enumerate(reader.array(catalog, key, "")):
        path = f"{key}[{i}]"
        entry = reader.mapping(item, path)
        found[reader.string(entry, name, path)] = (path, entry)
    return found


def _rows(reader: Payload, plan: dict[str, Any], path: str, capacity: str) -> list[tuple[str, Any]]:
    rows = []
    for j, item in enumerate(reader.array(plan, "pricings", path)):
        row_path = f"{path}.pricings[{j}]"
        row = reader.mapping(item, row_path)
        if capacity in reader.array(row, "capacities", row_path) and row.get("mode") == "default":
            rows.append((row_path, row))
    return rows


def _renew(reader: Payload, plan: dict[str, Any], path: str) -> Decimal | None:
    """The default-mode renew price for one month, or None when the plan has none."""
    for row_path, row in _rows(reader, plan, path, "renew"):
        unit = reader.string(row, "intervalUnit", row_path)
        if unit != "month":
            raise reader.error(f"unknown price unit {unit!r}", f"{row_path}.intervalUnit")
        if reader.integer(row, "interval", row_path, minimum=1) == 1:
            return plain(reader.integer(row, "price", row_path) * PRICE_SCALE)
    return None


def _installation(reader: Payload, plan: dict[str, Any], path: str) -> Decimal:
    rows = _rows(reader, plan, path, "installation")
    total = sum((reader.integer(row, "price", p) * PRICE_SCALE for p, row in rows), Decimal(0))
    return plain(total)


def _default_addons(
    reader: Payload,
    plan: dict[str, Any],
    path: str,
    addons: dict[str, tuple[str, dict[str, Any]]],
    products: dict[str, tuple[str, dict[str, Any]]],
) -> tuple[Decimal, Decimal | None, Decimal, str, list[str]]:
    """Memory GB, disk GB, monthly price of the defaults, a note on it, and their codes."""
    memory: Decimal | None = None
    addon_price = Decimal(0)
    disk = Decimal(0)
    extras: list[str] = []
    parts: list[str] = []
    for k, item in enumerate(reader.array(plan, "addonFamilies", path)):
        family_path = f"{path}.addonFamilies[{k}]"
        family = reader.mapping(item, family_path)
        if family.get("mandatory") is not True:
            continue
        code = reader.string(family, "default", family_path)
        if code not in addons:
            raise reader.error(f"unknown default addon {code!r}", f"{family_path}.default")
        addon_path, addon = addons[code]
        parts.append(code)
        price = _renew(reader, addon, addon_path)
        if price is None:
            raise reader.error(f"addon {code} has no monthly renew price", f"{addon_path}.pricings")
        if price:
            addon_price += price
            extras.append(f"{code} +{price} EUR")
        product_name = reader.string(addon, "product", addon_path)
        if product_name not in products:
            continue  # bandwidth / vRack addons may have no hardware product
        product_path, product = products[product_name]
        blobs = product.get("blobs")
        technical = blobs.get("technical") if isinstance(blobs, dict) else None
        if not isinstance(technical, dict):
            continue
        tech_path = f"{product_path}.blobs.technical"
        if "memory" in technical:
            size = reader.decimal(reader.obj(technical, "memory", tech_path), "size", tech_path)
            memory = (memory or Decimal(0)) + size
        if "storage" in technical:
            storage = reader.obj(technical, "storage", tech_path)
            for d, disk_item in enumerate(reader.array(storage, "disks", f"{tech_path}.storage")):
                disk_path = f"{tech_path}.storage.disks[{d}]"
                count = reader.integer(disk_item, "number", disk_path, minimum=1)
                disk += reader.decimal(disk_item, "capacity", disk_path) * count
    if memory is None:
        raise reader.error("no memory in the plan's default addons", f"{path}.addonFamilies")
    extra_note = f" including {', '.join(extras)}" if extras else ""
    return memory, (plain(disk) or None), addon_price, extra_note, parts


def _datacentres(reader: Payload, plan: dict[str, Any], path: str) -> list[str]:
    for c, item in enumerate(reader.array(plan, "configurations", path)):
        config_path = f"{path}.configurations[{c}]"
        config = reader.mapping(item, config_path)
        if config.get("name") == "dedicated_datacenter":
            values = reader.array(config, "values", config_path)
            if not all(isinstance(v, str) for v in values):
                raise reader.error("datacentre codes must be strings", f"{config_path}.values")
            return [str(v) for v in values]
    raise reader.error("no dedicated_datacenter configuration", f"{path}.configurations")
