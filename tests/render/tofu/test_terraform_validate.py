"""``terraform validate`` on an export, offline, where a local provider mirror makes it possible.

Only hashicorp/aws is in the machine's plugin mirror (``/opt/tf-plugins``, or the folder in
``SOVBUNDLE_TF_MIRROR``), so only the part of an export that uses it (Outscale OOS buckets through
the S3-compatible provider) can be validated by Terraform itself; the provider plugins of OVHcloud,
Scaleway, Clever Cloud and Outscale are not available offline. Skipped without a terraform (or
tofu) binary or the mirror. The CLI configuration allows the mirror only: nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sovbundle.render.tofu import export_plan, write_export
from tests.render.tofu.support import row, write_case

MIRROR = Path(os.environ.get("SOVBUNDLE_TF_MIRROR", "/opt/tf-plugins"))
BINARY = shutil.which("tofu") or shutil.which("terraform")

pytestmark = pytest.mark.skipif(
    BINARY is None or not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
    reason="needs terraform/tofu and a local hashicorp/aws plugin mirror",
)


def _run(folder: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    rc = tmp_path / "cli.tfrc"
    rc.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/*/*"]\n  }\n}\n'
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "TF_DATA_DIR": str(tmp_path / "tfdata"),
    }
    assert BINARY is not None
    return subprocess.run(
        [BINARY, f"-chdir={folder}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _export(tmp_path: Path) -> Path:
    plan, _ = write_case(
        tmp_path,
        [row("media", "object_storage", "outscale", "eu-west-2", "oos", 10, part="storage")],
    )
    out = tmp_path / "out"
    write_export(out, export_plan(plan, None).files)
    init = _run(out, tmp_path, "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.stderr
    return out


def test_outscale_bucket_export_passes_terraform_validate(tmp_path: Path) -> None:
    out = _export(tmp_path)
    result = _run(out, tmp_path, "validate", "-json", "-no-color")
    report = json.loads(result.stdout)
    assert report["valid"] is True, report["diagnostics"]


def test_terraform_validate_would_catch_an_unknown_attribute(tmp_path: Path) -> None:
    out = _export(tmp_path)
    main = json.loads((out / "main.tf.json").read_text())
    main["resource"]["aws_s3_bucket"]["media"]["storage_class"] = "STANDARD"
    (out / "main.tf.json").write_text(json.dumps(main))
    report = json.loads(_run(out, tmp_path, "validate", "-json", "-no-color").stdout)
    assert report["valid"] is False
