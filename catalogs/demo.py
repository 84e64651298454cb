"""Demo producers of the group ``demo``: four producers, ~120 products, one producer account.

* Les Jardins de Camargue (market gardener, organic, by the kg): a producer account
  (``producteur@demo.cagette.localhost``) whose own catalog is linked to the group;
* Ferme des Quatre Vents (eggs by the half-dozen and dozen, cheeses weighed at the
  distribution), with stock tracked;
* Le Fournil du Mas (bread and pastries), coordinated by the demo coordinator;
* Les Vergers de la Crau (fruit, juice in bottles, bulk dried fruit): legal data incomplete,
  so its catalog shows the banner and cannot open orders (decision 13).

Running it twice changes nothing: rows are found by name or reference before being created.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalogs.models import Catalog, CatalogLink, ProducerCatalog, ProducerProduct, Product, Vendor
from catalogs.reference import taxonomy
from catalogs.services import catalog_link_create, catalog_link_sync
from catalogs.validators import luhn_valid
from groups.models import Group
from members.demo import DOMAIN, demo_users, person
from members.models import Member

PRODUCER_LOGIN = f"producteur@{DOMAIN}"
D = Decimal


def _siret(seed: int) -> str:
    base = f"{seed:08d}"
    siren = next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))
    return next(siren + "0001" + str(d) for d in range(10) if luhn_valid(siren + "0001" + str(d)))


def _kind(text: str) -> int | None:
    found, _candidates = taxonomy().find(text)
    return found


# (ref, name, category, unit, quantity per unit, price incl. VAT, options)
GARDEN = [
    ("JC-TOM", "Tomates anciennes", "Tomate", "kg", "1", "4.80", {}),
    ("JC-TOMC", "Tomates cerises", "Tomate", "g", "250", "2.60", {}),
    ("JC-COU", "Courgettes", "Courgettes", "kg", "1", "2.90", {}),
    ("JC-AUB", "Aubergines", "Aubergine", "kg", "1", "3.80", {}),
    ("JC-POI", "Poivrons rouges", "Poivron", "kg", "1", "4.90", {}),
    ("JC-SAL", "Salade batavia", "Salade", "piece", "1", "1.40", {}),
    ("JC-MES", "Mesclun", "Salade", "g", "200", "2.80", {}),
    ("JC-CAR", "Carottes", "Carottes", "kg", "1", "2.40", {}),
    ("JC-CARF", "Carottes fanes (botte)", "Carottes", "piece", "1", "2.20", {}),
    ("JC-PDT", "Pommes de terre", "Pomme de terre", "kg", "1", "1.90", {}),
    ("JC-PDTN", "Pommes de terre nouvelles", "Pomme de terre", "kg", "1", "3.20", {}),
    ("JC-OIG", "Oignons jaunes", "Oignon", "kg", "1", "2.60", {}),
    ("JC-OIGR", "Oignons rouges", "Oignon", "kg", "1", "3.10", {}),
    ("JC-AIL", "Ail violet", "Ail", "g", "250", "3.50", {}),
    ("JC-POR", "Poireaux", "Poireau", "kg", "1", "3.20", {}),
    ("JC-BET", "Betteraves crues", "Betterave", "kg", "1", "2.80", {}),
    ("JC-BETC", "Betteraves cuites", "Betterave", "g", "500", "2.40", {}),
    ("JC-RAD", "Radis (botte)", "Radis", "piece", "1", "1.60", {}),
    ("JC-EPI", "Épinards", "Epinards", "kg", "1", "5.50", {}),
    ("JC-BLE", "Blettes", "Blette", "kg", "1", "3.40", {}),
    ("JC-POT", "Potimarron", "Potimarron", "kg", "1", "2.90", {"variable_weight": True}),
    ("JC-BUT", "Butternut", "Butternut", "kg", "1", "2.70", {"variable_weight": True}),
    ("JC-HAR", "Haricots verts", "Haricot vert", "kg", "1", "7.90", {}),
    ("JC-CON", "Concombres", "Concombres", "piece", "1", "1.30", {}),
    ("JC-FEN", "Fenouil", "Légumes > Fenouil", "kg", "1", "3.60", {}),
    ("JC-CEL", "Céleri rave", "Céleri rave", "kg", "1", "3.10", {}),
    ("JC-NAV", "Navets", "Navets", "kg", "1", "2.70", {}),
    ("JC-PAN", "Panais", "Panais", "kg", "1", "3.90", {}),
    ("JC-CHX", "Chou vert", "Choux", "piece", "1", "2.50", {}),
    ("JC-BRO", "Brocolis", "Brocolis", "kg", "1", "4.60", {}),
    ("JC-ART", "Artichauts violets", "Artichaut", "piece", "1", "1.50", {}),
    ("JC-ASP", "Asperges vertes (botte)", "Asperge", "g", "500", "6.90", {}),
    ("JC-MEL", "Melon de Cavaillon", "Melon", "piece", "1", "3.20", {}),
    ("JC-PAN2", "Panier de saison", "Panier de légumes", "piece", "1", "15.00", {}),
    ("JC-ECH", "Échalotes", "Échalote", "g", "500", "3.40", {}),
    ("JC-PAT", "Patates douces", "Patate douce", "kg", "1", "4.40", {}),
    ("JC-TOP", "Topinambours", "Topinambour", "kg", "1", "3.70", {}),
    ("JC-BAS", "Basilic (botte)", "Herbes et Plantes > Basilic", "piece", "1", "1.50", {}),
    ("JC-PER", "Persil plat (botte)", "Persil", "piece", "1", "1.20", {}),
    ("JC-CIB", "Ciboulette (botte)", "Ciboulette", "piece", "1", "1.20", {}),
    ("JC-MEN", "Menthe (botte)", "Menthe", "piece", "1", "1.40", {}),
]

FARM = [
    ("QV-OEU6", "Œufs de plein air", "Oeufs", "piece", "6", "2.10", {}),
    ("QV-OEU12", "Œufs de plein air", "Oeufs", "piece", "12", "3.90", {}),
    ("QV-OEUB6", "Œufs bio", "Oeufs", "piece", "6", "2.60", {"organic": True}),
    ("QV-OEUB12", "Œufs bio", "Oeufs", "piece", "12", "4.90", {"organic": True}),
    (
        "QV-TOM",
        "Tomme de chèvre",
        "Fromage",
        "g",
        "500",
        "11.00",
        {"variable_weight": True, "multi_weight": True},
    ),
    (
        "QV-TOMV",
        "Tomme de vache",
        "Fromage",
        "g",
        "500",
        "9.50",
        {"variable_weight": True, "multi_weight": True},
    ),
    ("QV-BRE", "Brebis affiné", "Fromage", "g", "300", "7.80", {"variable_weight": True}),
    ("QV-PEL", "Pélardon", "Fromage", "piece", "1", "2.40", {}),
    ("QV-PELA", "Pélardon affiné", "Fromage", "piece", "1", "2.70", {}),
    ("QV-CHF", "Chèvre frais nature", "Faisselle", "g", "150", "2.90", {}),
    ("QV-CHFH", "Chèvre frais aux herbes", "Faisselle", "g", "150", "3.10", {}),
    ("QV-FAI", "Faisselle", "Faisselle", "g", "500", "3.40", {}),
    ("QV-FBL", "Fromage blanc", "Fromage blanc", "g", "500", "3.60", {}),
    ("QV-YAN", "Yaourts nature", "Yaourt", "piece", "4", "2.80", {}),
    ("QV-YAF", "Yaourts aux fruits", "Yaourt", "piece", "4", "3.20", {}),
    ("QV-LAI", "Lait cru", "Lait", "l", "1", "1.30", {}),
    ("QV-BEU", "Beurre de baratte", "Beurre", "g", "250", "4.20", {}),
    ("QV-CRE", "Crème fraîche", "Crème fraîche", "cl", "50", "4.10", {}),
    ("QV-POU", "Poulet fermier", "Poulet", "kg", "1", "13.50", {"variable_weight": True}),
    ("QV-CUI", "Cuisses de poulet", "Poulet", "g", "600", "8.90", {"variable_weight": True}),
    ("QV-MIE", "Miel de lavande", "Miel de Lavande", "g", "500", "9.50", {}),
    ("QV-MIEA", "Miel d'acacia", "Miel d'acacia", "g", "500", "10.50", {}),
    ("QV-CONF", "Confiture de figues", "Confiture", "g", "350", "5.20", {}),
]

BAKERY = [
    ("FM-CAM", "Pain de campagne", "Pain de campagne", "g", "1000", "5.20", {}),
    ("FM-CAM5", "Pain de campagne", "Pain de campagne", "g", "500", "2.80", {}),
    ("FM-COM", "Pain complet", "Pain complet", "g", "800", "4.60", {}),
    ("FM-DEM", "Pain demi-complet", "Pain demi-complet", "g", "800", "4.40", {}),
    ("FM-SEI", "Pain de seigle", "Tous pains", "g", "500", "3.60", {}),
    ("FM-EPE", "Pain au petit épeautre", "Pain à l'épeautre", "g", "500", "4.90", {}),
    ("FM-NOI", "Pain aux noix", "Pain au noix", "g", "500", "4.80", {}),
    ("FM-RAI", "Pain aux raisins et noisettes", "Pain aux raisins", "g", "500", "5.10", {}),
    ("FM-MUL", "Pain multigraines", "Pain multigraines", "g", "600", "4.70", {}),
    ("FM-SES", "Pain au sésame", "Pain sésame", "g", "500", "4.20", {}),
    ("FM-TOU", "Pain au tournesol", "Pain tournesol", "g", "500", "4.20", {}),
    ("FM-BAG", "Baguette de tradition", "Pain nature", "g", "250", "1.30", {}),
    ("FM-FOU", "Fougasse aux olives", "Tous pains", "piece", "1", "3.90", {}),
    ("FM-BRI", "Brioche au beurre", "Brioche", "g", "400", "6.20", {}),
    ("FM-CRO", "Croissants", "Viennoiserie", "piece", "4", "5.20", {}),
    ("FM-PAC", "Pains au chocolat", "Viennoiserie", "piece", "4", "5.60", {}),
    ("FM-SAB", "Sablés au citron", "Sablé", "g", "200", "4.50", {}),
    ("FM-NAV", "Navettes à la fleur d'oranger", "Biscuits", "g", "250", "5.80", {}),
    ("FM-TAR", "Tarte aux pommes", "Tarte sucrée", "piece", "1", "14.00", {}),
    ("FM-TAF", "Tartelettes aux fruits", "Tartelette aux fruits", "piece", "2", "6.40", {}),
    ("FM-CAK", "Cake aux fruits confits", "Cake", "g", "450", "8.50", {}),
    ("FM-EPI", "Pain d'épices", "Pain d'épices", "g", "400", "6.90", {}),
    ("FM-FAR", "Farine de petit épeautre", "Epeautre", "kg", "1", "4.20", {}),
    ("FM-ENG", "Pain à l'engrain", "Pain à l'engrain", "g", "500", "5.40", {}),
    ("FM-LIN", "Pain lin et pavot", "Pain lin pavot", "g", "500", "4.60", {}),
]

ORCHARD = [
    ("VC-POM", "Pommes Golden", "Pomme", "kg", "1", "2.60", {}),
    ("VC-POMR", "Pommes Reinette", "Pomme", "kg", "1", "2.90", {}),
    ("VC-POMC", "Cagette de pommes", "Pomme", "kg", "6", "13.50", {"wholesale": True}),
    ("VC-POI", "Poires Williams", "Fruits > Poire", "kg", "1", "3.40", {}),
    ("VC-ABR", "Abricots", "Abricot", "kg", "1", "4.90", {}),
    ("VC-ABRC", "Cagette d'abricots", "Abricot", "kg", "5", "21.00", {"wholesale": True}),
    ("VC-PEC", "Pêches jaunes", "Pêche", "kg", "1", "4.50", {}),
    ("VC-CER", "Cerises", "Cerise", "kg", "1", "8.90", {}),
    ("VC-FRA", "Fraises", "Fraise", "g", "500", "4.80", {}),
    ("VC-RAI", "Raisin muscat", "Raisin", "kg", "1", "4.60", {}),
    ("VC-FIG", "Figues fraîches", "Fruits > Figue", "g", "500", "5.20", {}),
    ("VC-KIW", "Kiwis", "Kiwi", "kg", "1", "3.90", {}),
    ("VC-PRU", "Prunes", "Prune", "kg", "1", "3.80", {}),
    ("VC-COI", "Coings", "Coing", "kg", "1", "3.50", {}),
    ("VC-JPO", "Jus de pomme", "Jus de Pomme", "l", "1", "3.60", {}),
    ("VC-JPO25", "Jus de pomme", "Jus de Pomme", "cl", "25", "1.20", {}),
    ("VC-JPP", "Jus pomme-poire", "Jus de Poire", "cl", "75", "3.20", {}),
    ("VC-JRA", "Jus de raisin", "Jus de Raisin", "l", "1", "4.20", {}),
    ("VC-NAB", "Nectar d'abricot", "Nectar", "cl", "75", "3.90", {}),
    ("VC-NPE", "Nectar de pêche", "Nectar", "cl", "75", "3.90", {}),
    ("VC-PET", "Pétillant de pomme", "Pétillant de pomme", "cl", "75", "4.50", {}),
    ("VC-COM", "Compote pomme-coing", "Purée de fruit ou compote", "g", "600", "4.30", {}),
    (
        "VC-ABS",
        "Abricots secs (vrac)",
        "Abricot séché",
        "kg",
        "1",
        "14.00",
        {"bulk": True, "small_quantity": D("0.1")},
    ),
    (
        "VC-NOI",
        "Noix (vrac)",
        "Noix",
        "kg",
        "1",
        "9.80",
        {"bulk": True, "small_quantity": D("0.25")},
    ),
    (
        "VC-AMA",
        "Amandes (vrac)",
        "Amandes",
        "kg",
        "1",
        "18.50",
        {"bulk": True, "small_quantity": D("0.1")},
    ),
    ("VC-PRN", "Pruneaux", "Pruneau", "g", "500", "6.20", {}),
    ("VC-CFA", "Confiture d'abricots", "Confiture", "g", "350", "4.90", {}),
    ("VC-CFC", "Confiture de cerises", "Confiture", "g", "350", "5.30", {}),
    ("VC-GEL", "Gelée de coing", "Gelée", "g", "250", "4.60", {}),
    ("VC-SIR", "Sirop de fraise", "Boissons sans alcool", "cl", "50", "6.50", {}),
    (
        "VC-FIGS",
        "Figues sèches (vrac)",
        "Fruits secs > Figue",
        "kg",
        "1",
        "16.00",
        {"bulk": True, "small_quantity": D("0.1")},
    ),
]


def _vendor(name: str, **fields) -> Vendor:
    vendor = Vendor.objects.filter(name=name).first()
    if vendor is None:
        vendor = Vendor(name=name, **fields)
        vendor.full_clean()
        vendor.save()
    return vendor


def _fill(
    model, parent: dict, rows, *, stock: dict[str, Decimal] | None = None, organic: bool = False
) -> int:
    existing = set(model.objects.filter(**parent).values_list("ref", flat=True))
    created = []
    for ref, name, kind, unit, quantity, price, options in rows:
        if ref in existing:
            continue
        options = {"organic": organic, **options}
        product = model(
            ref=ref,
            name=name,
            taxonomy=_kind(kind),
            unit_type=unit,
            unit_quantity=D(quantity),
            price=D(price),
            vat_rate=D("5.5"),
            stock=(stock or {}).get(ref),
            **parent,
            **options,
        )
        product.normalize()
        created.append(product)
    model.objects.bulk_create(created)
    return len(created)


def _catalog(group: Group, vendor: Vendor, name: str, **fields) -> Catalog:
    catalog = Catalog.objects.filter(group=group, vendor=vendor).first()
    if catalog is None:
        today = timezone.localdate()
        catalog = Catalog(
            group=group,
            vendor=vendor,
            name=name,
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=335),
            **fields,
        )
        catalog.full_clean()
        catalog.save()
    return catalog


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").first()
    if group is None:
        return
    users = demo_users()
    admin, coordinator = users[0], users[1]

    # 1. A market gardener with a producer account; its catalog is linked to the group.
    farmer = person(PRODUCER_LOGIN, "Julien", "Maraîcher", phone="06 45 67 89 10")
    garden = _vendor(
        "Les Jardins de Camargue",
        people_name="Julien Maraîcher",
        email="jardins-camargue@demo.cagette.localhost",
        phone="06 45 67 89 10",
        profession=51,
        description="Légumes de saison cultivés en agriculture biologique à 8 km du village.",
        address1="Mas de la Tour",
        postcode="13310",
        city="Saint-Martin-de-Crau",
        latitude=D("43.612400"),
        longitude=D("4.780300"),
        legal_name="EARL Les Jardins de Camargue",
        siret=_siret(81234567),
        legal_status=6598,
        naf_code="0113Z",
        registered_address="Mas de la Tour",
        registered_postcode="13310",
        registered_city="Saint-Martin-de-Crau",
        share_capital=7500,
    )
    garden.managers.add(farmer)
    pc, _ = ProducerCatalog.objects.get_or_create(
        vendor=garden,
        name="Légumes bio de saison",
        defaults={"group_catalog_name": "Légumes des Jardins de Camargue", "visible": True},
    )
    _fill(ProducerProduct, {"producer_catalog": pc}, GARDEN, organic=True)
    link = CatalogLink.objects.filter(
        producer_catalog=pc, group=group, ended_at__isnull=True
    ).first()
    if link is None and not Catalog.objects.filter(group=group, vendor=garden).exists():
        catalog_link_create(producer_catalog=pc, group=group, acting_user=admin)
    elif link is not None and link.needs_sync:
        catalog_link_sync(link=link)

    # 2. A farm: eggs, cheese weighed at the distribution, stock tracked.
    farm = _vendor(
        "Ferme des Quatre Vents",
        owner_group=group,
        people_name="Anne et Paul Roux",
        email="quatre-vents@demo.cagette.localhost",
        phone="04 90 12 34 56",
        profession=33,
        profession2=73,
        description="Chèvres, vaches et poules élevées en plein air ; fromages affinés à la ferme.",
        address1="Chemin des Mas",
        postcode="13280",
        city="Raphèle-lès-Arles",
        latitude=D("43.676300"),
        longitude=D("4.724100"),
        legal_name="GAEC des Quatre Vents",
        siret=_siret(52345678),
        legal_status=6533,
        naf_code="0145Z",
        vat_number="FR41523456780",
        registered_address="Chemin des Mas",
        registered_postcode="13280",
        registered_city="Raphèle-lès-Arles",
    )
    farm_catalog = _catalog(group, farm, "Œufs, fromages et volailles", stock_tracked=True)
    stock = {
        "QV-OEU6": D("40"),
        "QV-OEU12": D("25"),
        "QV-OEUB6": D("20"),
        "QV-OEUB12": D("12"),
        "QV-PEL": D("30"),
        "QV-POU": D("8"),
        "QV-LAI": D("20"),
    }
    _fill(Product, {"catalog": farm_catalog, "group": group}, FARM, stock=stock)

    # 3. A bakery, coordinated by the demo coordinator.
    bakery = _vendor(
        "Le Fournil du Mas",
        owner_group=group,
        people_name="Sami Benali",
        email="fournil@demo.cagette.localhost",
        phone="04 90 98 76 54",
        profession=8,
        description="Pains au levain cuits au feu de bois, farines bio du pays d'Arles.",
        address1="12 rue du Four",
        postcode="13200",
        city="Arles",
        latitude=D("43.676700"),
        longitude=D("4.627800"),
        legal_name="SARL Le Fournil du Mas",
        siret=_siret(49876543),
        legal_status=5499,
        naf_code="1071C",
        vat_number="FR09498765430",
        share_capital=10000,
        registered_address="12 rue du Four",
        registered_postcode="13200",
        registered_city="Arles",
    )
    bakery_catalog = _catalog(group, bakery, "Pains et viennoiseries")
    _fill(Product, {"catalog": bakery_catalog, "group": group}, BAKERY, organic=True)
    coordinator_member = Member.objects.filter(group=group, user=coordinator).first()
    if coordinator_member is not None:
        bakery_catalog.coordinators.add(coordinator_member)

    # 4. An orchard whose legal data is incomplete: visible, but orders cannot open.
    orchard = _vendor(
        "Les Vergers de la Crau",
        owner_group=group,
        people_name="Hélène Fabre",
        email="vergers-crau@demo.cagette.localhost",
        phone="06 22 33 44 55",
        profession=2,
        description="Fruits de plein champ et jus pressés à la ferme.",
        address1="Route de Salon",
        postcode="13310",
        city="Saint-Martin-de-Crau",
        latitude=D("43.651900"),
        longitude=D("4.862400"),
        legal_name="Hélène Fabre",
        legal_status=1000,
    )
    orchard_catalog = _catalog(group, orchard, "Fruits et jus")
    _fill(Product, {"catalog": orchard_catalog, "group": group}, ORCHARD)

    _photos(group, {garden: "vegetables", farm: "farm", bakery: "bakery", orchard: "orchard"})
    count = Product.objects.filter(group=group).count()
    stdout.write(
        f"Catalogs: {Catalog.objects.filter(group=group).count()} catalogs, {count} products"
    )
    stdout.write(f"  producer     {PRODUCER_LOGIN}")


# Placeholder photos (issue 18): one drawn picture per producer, so the shop shows pictures.
PHOTO_COLOURS = {
    "vegetables": ((232, 242, 234), (47, 107, 58), (242, 140, 40)),
    "farm": ((255, 244, 220), (138, 90, 0), (250, 250, 240)),
    "bakery": ((245, 235, 220), (150, 95, 45), (205, 150, 80)),
    "orchard": ((251, 234, 234), (163, 38, 38), (214, 60, 50)),
}


def _photo(kind: str) -> str:
    """Store ``products/demo/<kind>.png`` once (a disc on a leafy background) and return its
    name."""
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image, ImageDraw

    name = f"products/demo/{kind}.png"
    if default_storage.exists(name):
        return name
    background, leaf, fruit = PHOTO_COLOURS[kind]
    image = Image.new("RGB", (160, 160), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((28, 40, 132, 144), fill=fruit, outline=leaf, width=4)
    draw.ellipse((70, 14, 112, 44), fill=leaf)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def _photos(group, vendors: dict) -> None:
    """Products of the demo without a photo get their producer's placeholder (idempotent)."""
    for vendor, kind in vendors.items():
        name = _photo(kind)
        Product.objects.filter(group=group, catalog__vendor=vendor, image="").update(image=name)
