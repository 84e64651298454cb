"""Reference lists shipped in ``catalogs/data/`` (see its README), loaded once per process.

* producer professions (``vendorProfessions.json``);
* French legal categories of companies (``categoriesJuridiques.json``, INSEE codes);
* French activity codes (``codesNAF.json``): only the sub-classes such as ``0113Z`` are valid
  answers, the integer ids are higher levels of the hierarchy;
* a French food product taxonomy (``productTaxonomy.json``): categories, sub-categories and
  product kinds. A product stores the id of its product kind; names match without regard to case.

The lists are French on purpose: they are official French nomenclatures.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# Legal categories of cooperatives: a SIRET may be shared by several producers (spec §9).
COOPERATIVE_STATUSES = frozenset({5460, 5558, 5560})
NAF_SUBCLASS = re.compile(r"\d{4}[A-Z]")


def _load(name: str):
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def fold(text: str) -> str:
    """Matching key: case, accents, ligatures and repeated spaces do not matter.

    ``ŒUFS``, ``Oeufs`` and ``œufs`` match; so do ``Épinards`` and ``epinards``.
    """
    text = " ".join(str(text).split()).casefold().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_ascii(text: str) -> str:
    return fold(text)


# Professions ---------------------------------------------------------------------------------


@cache
def professions() -> dict[int, str]:
    rows = _load("vendorProfessions.json")["professions"]
    return {
        int(row["id"]): row["name"] for row in sorted(rows, key=lambda r: fold_ascii(r["name"]))
    }


def profession_choices() -> list[tuple[int, str]]:
    return list(professions().items())


# Legal statuses ------------------------------------------------------------------------------


@cache
def legal_statuses() -> dict[int, str]:
    rows = _load("categoriesJuridiques.json")
    return {int(row["id"]): row["name"] for row in sorted(rows, key=lambda r: int(r["id"]))}


def legal_status_choices() -> list[tuple[int, str]]:
    return [(code, f"{code} - {name}") for code, name in legal_statuses().items()]


# NAF codes -----------------------------------------------------------------------------------


def normalize_naf(value: str) -> str:
    """``01.13z`` → ``0113Z``: dots and spaces are dropped before matching (spec §9)."""
    return "".join(str(value).split()).replace(".", "").upper()


@cache
def naf_codes() -> dict[str, str]:
    rows = _load("codesNAF.json")
    # Sub-classes only (``0113Z``): one string id of the file ("20") is a division.
    codes = {
        normalize_naf(row["id"]): row["name"]
        for row in rows
        if isinstance(row["id"], str) and NAF_SUBCLASS.fullmatch(normalize_naf(row["id"]))
    }
    return dict(sorted(codes.items()))


def naf_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} - {name}") for code, name in naf_codes().items()]


# Product taxonomy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    id: int
    name: str
    sub_category_id: int
    sub_category: str
    category_id: int
    category: str

    @property
    def path(self) -> str:
        return f"{self.category} > {self.sub_category} > {self.name}"


@dataclass(frozen=True)
class Taxonomy:
    categories: dict[int, str]
    sub_categories: dict[int, tuple[str, int]]  # id → (name, category id)
    kinds: dict[int, Kind]  # canonical kinds only
    aliases: dict[int, int]  # every id of the file → its canonical id (the file repeats a few)
    by_key: dict[tuple[str, ...], tuple[int, ...]]  # (name,), (sub, name), (cat, sub, name)

    def kind(self, kind_id: int | None) -> Kind | None:
        if kind_id is None:
            return None
        return self.kinds.get(self.aliases.get(kind_id, kind_id))

    def kind_ids_in_category(self, category_id: int) -> list[int]:
        return [
            i
            for i, canonical in self.aliases.items()
            if self.kinds[canonical].category_id == category_id
        ]

    def label(self, kind_id: int | None) -> str:
        """The shortest unambiguous text for a kind: its name, ``sub > name`` or the full path."""
        kind = self.kind(kind_id)
        if kind is None:
            return ""
        for key, text in (
            ((fold(kind.name),), kind.name),
            ((fold(kind.sub_category), fold(kind.name)), f"{kind.sub_category} > {kind.name}"),
        ):
            if len(self.by_key.get(key, ())) == 1:
                return text
        return kind.path

    def find(self, text: str) -> tuple[int | None, list[Kind]]:
        """Resolve a product kind from an id, a name, ``sub-category > name`` or a full path.

        Returns ``(kind id, [])`` when found, ``(None, candidates)`` when the text is ambiguous,
        and ``(None, [])`` when nothing matches. Matching ignores case.
        """
        text = " ".join(str(text).split())
        if not text:
            return None, []
        if text.isdigit():
            found = self.aliases.get(int(text))
            return (found, []) if found else (None, [])
        parts = tuple(fold(p) for p in text.split(">") if p.strip())[-3:]
        ids = self.by_key.get(parts, ())
        if len(ids) == 1:
            return ids[0], []
        return None, [self.kinds[i] for i in ids]

    def grouped_choices(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """Choices for a select: one group per category, kinds labelled ``sub-category : kind``."""
        groups: dict[int, list[tuple[int, str]]] = {cid: [] for cid in self.categories}
        for kind in sorted(
            self.kinds.values(), key=lambda k: (fold_ascii(k.sub_category), fold_ascii(k.name))
        ):
            groups[kind.category_id].append((kind.id, f"{kind.sub_category} : {kind.name}"))
        ordered = sorted(self.categories.items(), key=lambda item: fold_ascii(item[1]))
        return [(name, groups[cid]) for cid, name in ordered if groups[cid]]

    def category_choices(self) -> list[tuple[int, str]]:
        return sorted(self.categories.items(), key=lambda item: fold_ascii(item[1]))


@cache
def taxonomy() -> Taxonomy:
    data = _load("productTaxonomy.json")
    categories = {int(c["id"]): c["name"] for c in data["categories"]}
    subs = {int(s["id"]): (s["name"], int(s["category"])) for s in data["subCategories"]}
    kinds: dict[int, Kind] = {}
    aliases: dict[int, int] = {}
    canonical: dict[tuple[int, str], int] = {}
    for row in sorted(data["products"], key=lambda r: int(r["id"])):
        sub_id, kind_id = int(row["subCategory"]), int(row["id"])
        same = canonical.setdefault((sub_id, fold(row["name"])), kind_id)
        aliases[kind_id] = same
        if same != kind_id:
            continue
        kinds[kind_id] = Kind(
            id=kind_id,
            name=row["name"],
            sub_category_id=sub_id,
            sub_category=subs[sub_id][0],
            category_id=int(row["category"]),
            category=categories[int(row["category"])],
        )
    by_key: dict[tuple[str, ...], list[int]] = {}
    for kind in kinds.values():
        name, sub, cat = fold(kind.name), fold(kind.sub_category), fold(kind.category)
        for key in ((name,), (sub, name), (cat, sub, name)):
            by_key.setdefault(key, []).append(kind.id)
    return Taxonomy(
        categories=categories,
        sub_categories=subs,
        kinds=kinds,
        aliases=aliases,
        by_key={k: tuple(v) for k, v in by_key.items()},
    )
