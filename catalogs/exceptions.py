"""Domain errors of the catalogs app; their messages are translated and shown to people."""

from django.core.exceptions import ValidationError


class CatalogError(ValidationError):
    """A rule of catalogs, producers or products refuses the action."""


class CatalogNotOrderableError(CatalogError):
    """The catalog cannot be opened for new orders (decision 13); ``messages`` say why."""


class LinkedCatalogError(CatalogError):
    """The products of a catalog linked to a producer's catalog are managed by the producer."""


class ProductQuantityError(ValidationError):
    """A quantity a product cannot be ordered in (whole pieces, steps of a bulk product…)."""


class ProductImportError(Exception):
    """The import file was refused; nothing was imported.

    ``errors`` is a list of ``(line, message)``; line 0 means the whole file.
    """

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"{line}: {message}" for line, message in errors))
        self.errors = errors
