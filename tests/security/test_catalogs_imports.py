"""Product imports read through kernel.tables (bounded) and typed numbers through
kernel.numbers (issue 12, High and Low): a hostile spreadsheet is refused fast, and a price of
1e30 is a line-numbered French error, not an exception's repr."""

import io
import signal

import pytest
from openpyxl import Workbook

from catalogs.exceptions import ProductImportError
from catalogs.models import Product
from catalogs.resources import SmartCSV, SmartXLSX
from catalogs.services import product_import
from kernel.tables import TableError
from tests.catalogs.factories import CatalogFactory
from tests.test_tables import _declaring


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _TooSlowError(Exception):
    pass


def _within(seconds, call):
    """``call()``'s exception (or None); interrupted, and failing, after ``seconds``."""

    def interrupt(_signum, _frame):
        raise _TooSlowError

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        call()
    except _TooSlowError:
        pytest.fail(f"still reading after {seconds} s")
    except Exception as exc:
        return exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return None


@pytest.fixture
def catalog(world):
    return CatalogFactory(group=world.group)


def _import(catalog, user, data, filename):
    return lambda: product_import(catalog=catalog, data=data, filename=filename, acting_user=user)


def test_a_small_spreadsheet_declaring_a_huge_sheet_is_refused_at_once(world, catalog):
    hostile = _declaring(_xlsx([["productName", "price"], ["Pain", "2"]]), "A1:XFD1048576")
    error = _within(1, _import(catalog, world.admin, hostile, "produits.xlsx"))
    assert isinstance(error, ProductImportError)
    assert "colonnes" in error.errors[0][1]


def test_a_csv_beyond_the_row_cap_is_refused(world, catalog):
    data = ("productName;price\r\n" + "Pain;2\r\n" * 20_001).encode()
    with pytest.raises(ProductImportError) as exc:
        product_import(catalog=catalog, data=data, filename="p.csv", acting_user=world.admin)
    assert "20000 lignes" in exc.value.errors[0][1]
    assert not Product.objects.filter(catalog=catalog).exists()


@pytest.mark.parametrize("price", ["1e30", "NaN", "100000", "99999999999999999999"])
def test_an_absurd_price_is_a_line_numbered_french_error(world, catalog, price):
    data = f"productName;price\nPain;2\nBrioche;{price}\n".encode()
    with pytest.raises(ProductImportError) as exc:
        product_import(catalog=catalog, data=data, filename="p.csv", acting_user=world.admin)
    [(line, message)] = exc.value.errors
    assert line == 3
    assert message.startswith("price") and "Saisissez un nombre" in message, message
    assert "<class" not in message and "InvalidOperation" not in message


def test_the_admin_formats_read_within_the_same_bounds():
    hostile = _declaring(_xlsx([["productName", "price"], ["Pain", "2"]]), "A1:XFD1048576")
    error = _within(1, lambda: SmartXLSX().create_dataset(hostile))
    assert isinstance(error, TableError)
    rows = ("productName;price\r\n" + "Pain;2\r\n" * 20_001).encode()
    with pytest.raises(TableError):
        SmartCSV().create_dataset(rows)
