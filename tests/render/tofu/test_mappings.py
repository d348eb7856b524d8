"""One test (or a few) per provider mapping table: synthetic plan rows in, checked blocks out."""

from __future__ import annotations

import json
from pathlib import Path

from sovbundle.render.tofu.check import check_files
from tests.render.tofu.support import export_case, main_tf, row


def test_ovhcloud_instance_looks_up_its_flavour_by_name_in_its_region(tmp_path: Path) -> None:
    export = export_case(tmp_path, [row("web", "vm", "ovhcloud", "GRA11", "b3-8", 2)])
    main = main_tf(export)
    flavors = main["data"]["ovh_cloud_project_flavors"]["web"]
    assert flavors == {
        "service_name": "${var.ovh_project_id}",
        "region": "GRA11",
        "name_filter": "b3-8",
    }
    instance = main["resource"]["ovh_cloud_project_instance"]["web"]
    assert instance["count"] == 2
    assert instance["region"] == "GRA11"
    assert instance["billing_period"] == "monthly"
    assert "data.ovh_cloud_project_flavors.web.flavors" in instance["flavor"]["flavor_id"]
    assert instance["//"].startswith("plan line web vm/instance: ovhcloud GRA11 b3-8 x2")
    assert "10.00 EUR/month" in instance["//"]
    assert export.complete
    assert check_files(export.files) == []


def test_ovhcloud_hourly_price_is_hourly_billing(tmp_path: Path) -> None:
    export = export_case(tmp_path, [row("web", "vm", "ovhcloud", "GRA11", "b3-8", unit="hour")])
    instance = main_tf(export)["resource"]["ovh_cloud_project_instance"]["web"]
    assert instance["billing_period"] == "hourly"


def test_ovhcloud_database_engine_plan_flavor_and_nodes_come_from_the_sku(tmp_path: Path) -> None:
    export = export_case(
        tmp_path, [row("db", "database", "ovhcloud", "SBG5", "mysql-business-db1-15")]
    )
    db = main_tf(export)["resource"]["ovh_cloud_project_database"]["db"]
    assert (db["engine"], db["plan"], db["flavor"]) == ("mysql", "business", "db1-15")
    assert db["nodes"] == [{"region": "SBG"}, {"region": "SBG"}]
    assert db["version"] == "${var.db_version}"
    variables = json.loads(export.files["variables.tf.json"])["variable"]
    assert "db_version" in variables
    assert not any("not among" in w for w in export.warnings)


def test_ovhcloud_database_plan_outside_the_documented_values_is_a_warning(
    tmp_path: Path,
) -> None:
    export = export_case(
        tmp_path, [row("db", "database", "ovhcloud", "GRA11", "postgresql-production-b3-16")]
    )
    assert export.complete
    assert any("'production' is not among" in w for w in export.warnings)


def test_ovhcloud_kubernetes_is_a_cluster_and_a_fixed_size_nodepool(tmp_path: Path) -> None:
    rows = [
        row("work_ers", "kubernetes", "ovhcloud", "DE1", "mks-free", part="control_plane"),
        row("work_ers", "kubernetes", "ovhcloud", "DE1", "d2-8", 3, part="nodes"),
    ]
    main = main_tf(export_case(tmp_path, rows))
    kube = main["resource"]["ovh_cloud_project_kube"]["work_ers"]
    pool = main["resource"]["ovh_cloud_project_kube_nodepool"]["work_ers"]
    assert (kube["region"], kube["plan"]) == ("DE1", "free")
    assert pool["flavor_name"] == "d2-8"
    assert pool["desired_nodes"] == 3
    assert pool["name"] == "work-ers"  # nodepool names may not hold '_'
    outputs = json.loads(export_case(tmp_path, rows).files["outputs.tf.json"])["output"]
    assert outputs["work_ers_kubeconfig"]["sensitive"] is True


def test_ovhcloud_storage_and_dedicated_server(tmp_path: Path) -> None:
    rows = [
        row(
            "files",
            "object_storage",
            "ovhcloud",
            "GRA11",
            "storage-standard",
            100,
            part="storage",
            unit="gb_month",
        ),
        row("box", "vm", "ovhcloud", "gra", "KS-1"),
    ]
    export = export_case(tmp_path, rows)
    storage = main_tf(export)["resource"]["ovh_cloud_project_storage"]["files"]
    assert storage["region_name"] == "GRA"
    assert not export.complete
    assert [u.component for u in export.config.unexpressed] == ["box"]
    assert "dedicated server KS-1" in export.files["README.md"].decode()


def test_scaleway_instance_elastic_metal_and_bucket(tmp_path: Path) -> None:
    rows = [
        row("api", "vm", "scaleway", "fr-par-2", "PRO2-S", 2),
        row("metal", "vm", "scaleway", "fr-par-1", "EM-A115X-SSD"),
        row(
            "cold",
            "object_storage",
            "scaleway",
            "fr-par-1",
            "ONEZONE_IA",
            500,
            part="storage",
            unit="gb_month",
        ),
    ]
    export = export_case(tmp_path, rows)
    main = main_tf(export)
    server = main["resource"]["scaleway_instance_server"]["api"]
    assert (server["type"], server["zone"], server["count"]) == ("PRO2-S", "fr-par-2", 2)
    metal = main["resource"]["scaleway_baremetal_server"]["metal"]
    assert metal["offer"] == "${data.scaleway_baremetal_offer.metal.offer_id}"
    assert main["data"]["scaleway_baremetal_offer"]["metal"]["name"] == "EM-A115X-SSD"
    bucket = main["resource"]["scaleway_object_bucket"]["cold"]
    assert bucket["region"] == "fr-par"
    assert any("ONEZONE_IA" in n for n in export.config.notes)
    assert check_files(export.files) == []


def test_scaleway_kapsule_gets_the_private_network_it_needs(tmp_path: Path) -> None:
    rows = [
        row("k", "kubernetes", "scaleway", "fr-par-1", "kapsule-mutualized", part="control_plane"),
        row("k", "kubernetes", "scaleway", "fr-par-1", "PRO2-M", 4, part="nodes"),
    ]
    main = main_tf(export_case(tmp_path, rows))
    cluster = main["resource"]["scaleway_k8s_cluster"]["k"]
    assert cluster["private_network_id"] == "${scaleway_vpc_private_network.k.id}"
    assert cluster["type"] == "kapsule"
    assert "k" in main["resource"]["scaleway_vpc_private_network"]
    pool = main["resource"]["scaleway_k8s_pool"]["k"]
    assert (pool["node_type"], pool["size"]) == ("PRO2-M", 4)


def test_scaleway_databases_need_the_bundle_for_their_engine(tmp_path: Path) -> None:
    rows = [
        row("pg", "database", "scaleway", "fr-par-1", "DB-PLAY2-PICO"),
        row("kv", "database", "scaleway", "fr-par-1", "RED1-MICRO"),
        row("doc", "database", "scaleway", "fr-par-1", "MGDB-PLAY2-NANO"),
    ]
    without = export_case(tmp_path, rows)
    assert len(without.config.unexpressed) == 3
    assert "--bundle" in without.config.unexpressed[0].reason
    components = {
        "pg": {"kind": "database", "engine": "postgresql", "high_availability": True},
        "kv": {"kind": "database", "engine": "redis"},
        "doc": {"kind": "database", "engine": "mongodb"},
    }
    export = export_case(tmp_path, rows, components)
    assert export.complete
    main = main_tf(export)
    rdb = main["resource"]["scaleway_rdb_instance"]["pg"]
    assert rdb["engine"] == "PostgreSQL-${var.pg_version}"
    assert rdb["is_ha_cluster"] is True
    assert rdb["password"] == "${var.scaleway_database_password}"
    assert main["resource"]["scaleway_redis_cluster"]["kv"]["zone"] == "fr-par-1"
    assert main["resource"]["scaleway_mongodb_instance"]["doc"]["region"] == "fr-par"
    variables = json.loads(export.files["variables.tf.json"])["variable"]
    assert variables["scaleway_database_password"]["sensitive"] is True
    assert "default" not in variables["scaleway_database_password"]


def test_clevercloud_apps_per_runtime_and_add_ons_wired_as_dependencies(tmp_path: Path) -> None:
    rows = [
        row("api", "app", "clevercloud", "par", "apps.M", 2),
        row("db", "database", "clevercloud", "par", "postgresql.s_sml"),
        row(
            "files",
            "object_storage",
            "clevercloud",
            "par",
            "cellar",
            10,
            part="storage",
            unit="gb_month",
        ),
    ]
    components = {
        "api": {"kind": "app", "runtime": "node"},
        "db": {"kind": "database", "engine": "postgresql"},
        "files": {"kind": "object_storage", "storage_gb": 10},
    }
    links = [{"from": "api", "to": "db"}]
    export = export_case(tmp_path, rows, components, links)
    main = main_tf(export)
    app = main["resource"]["clevercloud_nodejs"]["api"]
    assert (app["smallest_flavor"], app["biggest_flavor"]) == ("M", "M")
    assert (app["min_instance_count"], app["max_instance_count"]) == (2, 2)
    assert app["dependencies"] == ["${clevercloud_postgresql.db.id}"]
    assert main["resource"]["clevercloud_postgresql"]["db"]["plan"] == "s_sml"
    bucket = main["resource"]["clevercloud_cellar_bucket"]["files"]
    assert bucket["cellar_id"] == "${clevercloud_cellar.files.id}"
    assert check_files(export.files) == []


def test_clevercloud_runtime_without_a_resource_is_listed_not_dropped(tmp_path: Path) -> None:
    rows = [row("svc", "app", "clevercloud", "par", "apps.S")]
    export = export_case(tmp_path, rows, {"svc": {"kind": "app", "runtime": "elixir"}})
    assert not export.complete
    assert "bundle.runtime 'elixir' has no mapping" in export.config.unexpressed[0].reason


def test_cross_provider_link_hands_the_endpoint_to_the_app(tmp_path: Path) -> None:
    rows = [
        row("web", "app", "clevercloud", "par", "apps.S"),
        row(
            "files",
            "object_storage",
            "scaleway",
            "fr-par-1",
            "STANDARD",
            10,
            part="storage",
            unit="gb_month",
        ),
    ]
    components = {
        "web": {"kind": "app", "runtime": "python"},
        "files": {"kind": "object_storage", "storage_gb": 10},
    }
    export = export_case(tmp_path, rows, components, [{"from": "files", "to": "web"}])
    app = main_tf(export)["resource"]["clevercloud_python"]["web"]
    assert app["environment"] == {
        "FILES_ENDPOINT": "${jsonencode(scaleway_object_bucket.files.endpoint)}"
    }
    outputs = json.loads(export.files["outputs.tf.json"])["output"]
    assert outputs["files_endpoint"]["value"] == "${scaleway_object_bucket.files.endpoint}"


def test_outscale_vm_with_flexible_gpu_and_oks(tmp_path: Path) -> None:
    rows = [
        row("gpu", "vm", "outscale", "eu-west-2", "tinav5.c8r32p1"),
        row("plain", "vm", "outscale", "eu-west-2", "tinav5.c2r4p2", 3),
        row("k", "kubernetes", "outscale", "eu-west-2", "cp.mono.master", part="control_plane"),
        row("k", "kubernetes", "outscale", "eu-west-2", "tinav5.c4r16p2", 2, part="nodes"),
    ]
    components = {
        "gpu": {"kind": "vm", "gpus": 1, "gpu_model": "L40S"},
        "plain": {"kind": "vm", "count": 3},
        "k": {"kind": "kubernetes", "nodes": 2},
    }
    export = export_case(tmp_path, rows, components)
    assert export.complete
    main = main_tf(export)
    assert main["resource"]["outscale_vm"]["plain"]["vm_type"] == "tinav5.c2r4p2"
    fgpu = main["resource"]["outscale_flexible_gpu"]["gpu"]
    assert fgpu["generation"] == "v5"
    link = main["resource"]["outscale_flexible_gpu_link"]["gpu"]
    assert link["vm_id"] == "${outscale_vm.gpu[count.index].vm_id}"
    manifest = main["resource"]["outscale_oks_manifest"]["k"]["manifest"]
    assert "desiredNodes = 2" in manifest and 'nodeType = "tinav5.c4r16p2"' in manifest
    assert check_files(export.files) == []


def test_outscale_buckets_go_through_an_s3_compatible_provider(tmp_path: Path) -> None:
    rows = [
        row(
            "b",
            "object_storage",
            "outscale",
            "eu-west-2",
            "oos-standard",
            10,
            part="storage",
            unit="gb_month",
        ),
    ]
    export = export_case(tmp_path, rows)
    main = main_tf(export)
    (config,) = main["provider"]["aws"]
    assert config["endpoints"] == {"s3": "https://oos.eu-west-2.outscale.com"}
    assert main["resource"]["aws_s3_bucket"]["b"]["provider"] == "aws.outscale_eu_west_2"
    versions = json.loads(export.files["versions.tf.json"])["terraform"]["required_providers"]
    assert set(versions) == {"aws"}


def test_rapidspace_becomes_a_slapos_request_script(tmp_path: Path) -> None:
    rows = [row("big", "vm", "rapidspace", "fr", "vps-24c-256g-4tb", 2)]
    export = export_case(tmp_path, rows)
    assert not export.complete
    script = export.files["slapos-request.sh"].decode()
    assert 'slapos request "${NAME_PREFIX}-big-${i}" "${SOFTWARE_URL}"' in script
    assert "SlapOS" in export.files["README.md"].decode()
    versions = json.loads(export.files["versions.tf.json"])["terraform"]["required_providers"]
    assert versions == {}


def test_only_the_providers_used_are_required(tmp_path: Path) -> None:
    export = export_case(tmp_path, [row("web", "vm", "scaleway", "fr-par-1", "DEV1-S")])
    versions = json.loads(export.files["versions.tf.json"])["terraform"]["required_providers"]
    assert versions == {"scaleway": {"source": "scaleway/scaleway", "version": "~> 2.81"}}


def test_same_label_for_two_components_is_not_exported_twice(tmp_path: Path) -> None:
    rows = [
        row("a-b", "vm", "scaleway", "fr-par-1", "DEV1-S"),
        row("a_b", "vm", "scaleway", "fr-par-1", "DEV1-S"),
    ]
    export = export_case(tmp_path, rows)
    assert [u.component for u in export.config.unexpressed] == ["a_b"]


def test_ovhcloud_database_extra_storage_becomes_its_disk_size(tmp_path: Path) -> None:
    rows = [
        row("db", "database", "ovhcloud", "GRA11", "postgresql-business-db1-7"),
        row(
            "db",
            "database",
            "ovhcloud",
            "GRA11",
            "postgresql-business-db1-7",
            60,
            part="extra_storage",
            unit="gb_month",
            monthly=6.0,
        ),
    ]
    components = {"db": {"kind": "database", "engine": "postgresql", "storage_gb": 100}}
    export = export_case(tmp_path, rows, components)
    assert export.complete
    db = main_tf(export)["resource"]["ovh_cloud_project_database"]["db"]
    assert db["disk_size"] == 100
    assert "extra_storage" in db["//"]


def test_a_priced_part_no_attribute_expresses_is_reported(tmp_path: Path) -> None:
    rows = [
        row("pg", "database", "scaleway", "fr-par-1", "DB-DEV-S"),
        row(
            "pg",
            "database",
            "scaleway",
            "fr-par-1",
            "DB-DEV-S",
            50,
            part="extra_storage",
            unit="gb_month",
            monthly=5.0,
        ),
    ]
    export = export_case(tmp_path, rows, {"pg": {"kind": "database", "engine": "postgresql"}})
    assert "scaleway_rdb_instance" in main_tf(export)["resource"]
    (missing,) = export.config.unexpressed
    assert missing.component == "pg"
    assert "extra_storage line (50 gb_month, 5.00 EUR/month)" in missing.reason
