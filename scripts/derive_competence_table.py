"""Write app/competence/onet_skills.json: the 35 O*NET skills with three bands each.

Run from the repository root: ``python scripts/derive_competence_table.py PATH_TO_ONET``.
The band anchors are O*NET's Level Scale Anchors at LV 2, 4 and 6 (basic, intermediate,
expert), which map onto Skillpath levels 1, 3 and 4.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

from app.competence.onet import ATTRIBUTION, ONET_RELEASE

BAND_BY_LV = {"2": "basic", "4": "intermediate", "6": "expert"}


def main(directory: str) -> None:
    root = Path(directory)
    with gzip.open(root / "skills.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        elements = {row["Element ID"]: row["Element Name"] for row in csv.DictReader(handle)}
    with open(root / "content_model_reference.csv", encoding="utf-8", newline="") as handle:
        described = {row["Element ID"]: row["Description"] for row in csv.DictReader(handle)}
    anchors: dict[str, dict[str, str]] = {}
    with open(root / "level_scale_anchors.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            band = BAND_BY_LV.get(row["Anchor Value"])
            if row["Element ID"] in elements and band is not None:
                anchors.setdefault(row["Element ID"], {})[band] = row["Anchor Description"]
    skills = [
        {
            "skill": name.lower(),
            "title": name,
            "elementId": element,
            "description": described.get(element, ""),
            "bands": anchors.get(element, {}),
        }
        for element, name in sorted(elements.items())
    ]
    table = {"release": ONET_RELEASE, "attribution": ATTRIBUTION, "skills": skills}
    target = Path("app/competence/onet_skills.json")
    target.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {target}: {len(skills)} skills")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/onet")
