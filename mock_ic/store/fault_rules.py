"""The tenants' fault rules with their counters, and their token revocations (FAULT-RULES), shared by every
server on the database: tables ``mock_fault_rules`` and ``mock_token_revocations``.

Rules are stored as their JSON (``FaultRule.to_dict``); what they mean is mock_ic.control.faults'. Every
function that changes a rule list or a revocation bumps ``FAULTS_GENERATION`` in the same transaction, so a
server's cached copy knows when it is stale. Counters change without a bump: they are read, and written,
only inside the transaction that decides a request (:func:`rules` with ``for_update``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mock_ic.store import server_meta
from mock_ic.store.tables import fault_rules, token_revocations


@dataclass(frozen=True)
class StoredRule:
    rule_id: str
    rule: str  # the rule's JSON text
    matched: int
    fired: int


@dataclass(frozen=True)
class StoredRevocation:
    revoked_at: float  # the server clock, epoch seconds
    rule_id: str


_ORDER = (fault_rules.c.position, fault_rules.c.rule_id)


def rules(conn: sa.Connection, tenant: str, *, for_update: bool = False) -> list[StoredRule]:
    """The tenant's rules in order. ``for_update``: lock them until the transaction ends (PostgreSQL
    ``FOR UPDATE``; a SQLite write transaction holds the whole database already), so that two servers
    deciding requests at once count one after the other."""
    query = (sa.select(fault_rules.c.rule_id, fault_rules.c.rule, fault_rules.c.matched, fault_rules.c.fired)
             .where(fault_rules.c.tenant == tenant).order_by(*_ORDER))
    if for_update:
        query = query.with_for_update()
    return [StoredRule(*row) for row in conn.execute(query)]


def all_rules(conn: sa.Connection) -> dict[str, list[str]]:
    """Every tenant's rule JSON texts, in order (a server's cache of who has which rules)."""
    out: dict[str, list[str]] = {}
    query = sa.select(fault_rules.c.tenant, fault_rules.c.rule).order_by(fault_rules.c.tenant, *_ORDER)
    for tenant, rule in conn.execute(query):
        out.setdefault(tenant, []).append(rule)
    return out


def _insert(conn: sa.Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def append(conn: sa.Connection, tenant: str, rule_id: str, rule: str) -> bool:
    """Add the rule after the tenant's others, counters at 0; False (and nothing written) when the tenant
    already has a rule with that id."""
    last = conn.execute(sa.select(sa.func.max(fault_rules.c.position))
                        .where(fault_rules.c.tenant == tenant)).scalar()
    row = {"tenant": tenant, "rule_id": rule_id, "position": (last or 0) + 1, "rule": rule, "matched": 0, "fired": 0}
    inserted = _insert(conn, fault_rules).values(**row).on_conflict_do_nothing().returning(fault_rules.c.rule_id)
    added = conn.execute(inserted).first() is not None  # (an INSERT's rowcount is -1 on psycopg)
    if added:
        server_meta.bump(conn, server_meta.FAULTS_GENERATION)
    return added


def replace(conn: sa.Connection, tenant: str, rule_id: str, rule: str) -> bool:
    """Swap in a new version of the rule in its place, counters reset; False when there is none."""
    replaced = conn.execute(sa.update(fault_rules).where(
        fault_rules.c.tenant == tenant, fault_rules.c.rule_id == rule_id).values(rule=rule, matched=0, fired=0))
    server_meta.bump(conn, server_meta.FAULTS_GENERATION)
    return replaced.rowcount > 0


def set_all(conn: sa.Connection, tenant: str, rule_texts: list[tuple[str, str]]) -> None:
    """Replace the tenant's whole list with these (rule id, rule JSON) pairs, counters at 0."""
    conn.execute(sa.delete(fault_rules).where(fault_rules.c.tenant == tenant))
    if rule_texts:
        conn.execute(sa.insert(fault_rules), [
            {"tenant": tenant, "rule_id": rule_id, "position": i, "rule": rule, "matched": 0, "fired": 0}
            for i, (rule_id, rule) in enumerate(rule_texts, start=1)])
    server_meta.bump(conn, server_meta.FAULTS_GENERATION)


def remove(conn: sa.Connection, tenant: str, rule_id: str) -> bool:
    removed = conn.execute(sa.delete(fault_rules).where(
        fault_rules.c.tenant == tenant, fault_rules.c.rule_id == rule_id)).rowcount
    server_meta.bump(conn, server_meta.FAULTS_GENERATION)
    return removed > 0


def clear(conn: sa.Connection, tenant: str) -> int:
    """Remove every rule of the tenant (its revocation stays: a revoked token stays revoked)."""
    removed = conn.execute(sa.delete(fault_rules).where(fault_rules.c.tenant == tenant)).rowcount
    server_meta.bump(conn, server_meta.FAULTS_GENERATION)
    return removed


_SET_COUNTERS = sa.update(fault_rules).where(
    fault_rules.c.tenant == sa.bindparam("b_tenant"), fault_rules.c.rule_id == sa.bindparam("b_rule_id"),
).values(matched=sa.bindparam("b_matched"), fired=sa.bindparam("b_fired"))


def set_counters(conn: sa.Connection, tenant: str, counters: list[tuple[str, int, int]]) -> None:
    """Store (rule id, matched, fired) of rules read with ``for_update`` in this transaction."""
    if counters:
        conn.execute(_SET_COUNTERS, [{"b_tenant": tenant, "b_rule_id": rule_id, "b_matched": matched,
                                      "b_fired": fired} for rule_id, matched, fired in counters])


def revoke(conn: sa.Connection, tenant: str, revoked_at: float, rule_id: str) -> None:
    """The tenant's tokens issued before ``revoked_at`` are refused from now on."""
    conn.execute(_insert(conn, token_revocations).values(tenant=tenant, revoked_at=revoked_at, rule_id=rule_id)
                 .on_conflict_do_update(index_elements=[token_revocations.c.tenant],
                                        set_={"revoked_at": revoked_at, "rule_id": rule_id}))
    server_meta.bump(conn, server_meta.FAULTS_GENERATION)


def revocations(conn: sa.Connection) -> dict[str, StoredRevocation]:
    query = sa.select(token_revocations.c.tenant, token_revocations.c.revoked_at, token_revocations.c.rule_id)
    return {tenant: StoredRevocation(at, rule_id) for tenant, at, rule_id in conn.execute(query)}


def drop_tenant(conn: sa.Connection, tenant: str) -> None:
    """The tenant's rules and revocation (the tenant is being deleted)."""
    conn.execute(sa.delete(fault_rules).where(fault_rules.c.tenant == tenant))
    conn.execute(sa.delete(token_revocations).where(token_revocations.c.tenant == tenant))
    server_meta.bump(conn, server_meta.FAULTS_GENERATION)
