"""`python -m spec`: rewrite spec/schemas/*.json from openapi.yaml."""

from spec import SCHEMA_NAMES, SPEC_DIR, _standalone

for name in SCHEMA_NAMES:
    (SPEC_DIR / "schemas" / f"{name}.json").write_text(_standalone(name) + "\n", encoding="utf-8")
print(f"wrote {len(SCHEMA_NAMES)} schemas to {SPEC_DIR / 'schemas'}")
