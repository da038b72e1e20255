"""Bundle the observed outcomes the backtests compare with (issue 20).

Copies, byte for byte, the three observed files of ``../shared/data/observed/`` that
``safezones validate`` reads by default into ``src/safezones/data/observed/`` and writes
``manifest.json`` there with each file's source, licence and SHA-256 (the backtests
report the hash of the file they read, so a changed figure shows).

Usage: ``python scripts/build_observed.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safezones" / "data" / "observed"

FILES = {
    "unhcr_syrian_refugees_by_host_2011_2014.csv": {
        "what": "Syrian refugees and asylum-seekers by country of asylum, end of year 2011-2014",
        "source": "UNHCR Refugee Population Statistics (Refugee Data Finder), via the `refugees` "
        "R package 2022.12.1",
        "licence": 'CC BY 4.0, attribute "UNHCR Refugee Data Finder"',
    },
    "ocha_idp_movements_by_governorate_2016_2018.csv": {
        "what": "IDP movements recorded per month by governorate, Jan 2016 to Dec 2018 (flows)",
        "source": "UN OCHA Turkey, Syrian Arab Republic: IDP movements and IDP spontaneous return "
        "movements, January 2019 workbook, sheet IDPFlow_Summarysince2016 (public repository "
        "harootune/final_project_2020Sp, test/idp_1.xlsx, commit a9e6eb53)",
        "licence": "not stated",
    },
    "cccm_nw_syria_sites_2017_2019.csv": {
        "what": "IDP sites in north-west Syria, one row per site per month, Feb 2017 to Nov 2019",
        "source": "CCCM Cluster, Syria cross-border operation (UNHCR-led), IDP Sites Integrated "
        "Monitoring Matrix (ISIMM), public repository unhcr-xborder-turkey/ISIMM (commit 3436f2e1)",
        "licence": "data licence not stated (the Apache-2.0 licence there covers the dashboard code)",
    },
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, meta in FILES.items():
        src = args.shared / "observed" / name
        shutil.copyfile(src, OUT / name)
        digest = hashlib.sha256((OUT / name).read_bytes()).hexdigest()
        manifest[name] = {**meta, "sha256": digest, "derivation": f"copied from observed/{name}"}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(manifest)} files to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
