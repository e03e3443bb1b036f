"""Money in integer fen (分) and quantities in Decimal: never a float anywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.kit import DomainError, Vocabulary

FEN = Decimal(100)


def vocab(field: str, rows: list[tuple[str, str, str, tuple[str, ...]]]) -> Vocabulary:
    v = Vocabulary(field)
    for code, zh, en, aliases in rows:
        v.add(code, zh, en, aliases)
    return v


def parse_yuan(text: str | int | Decimal, field: str, allow_zero: bool = True) -> int:
    """`"80"`, `"12.50"` yuan → fen; refuses negatives and fractions of a fen."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(field, f"not an amount in yuan: {text!r} (e.g. 80 or 12.50)") from None
    if not value.is_finite() or value < 0:
        raise DomainError(field, f"the amount cannot be negative: {text}")
    if value == 0 and not allow_zero:
        raise DomainError(field, "the amount must be more than zero")
    fen = value * FEN
    if fen != fen.to_integral_value():
        raise DomainError(field, f"{text} has a fraction of a fen")
    return int(fen)


def parse_quantity(text: str | int | Decimal, field: str = "quantity") -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(field, f"not a quantity: {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise DomainError(field, f"the quantity must be more than zero, not {text}")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(field, "a quantity has at most two decimals")
    return value


def line_amount(unit_price_fen: int, quantity: Decimal) -> int:
    """Price × quantity, rounded half up to the fen."""
    return int((Decimal(unit_price_fen) * quantity).quantize(Decimal(1), ROUND_HALF_UP))


def yuan(fen: int) -> str:
    """1234 → `12.34` (sign kept)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
