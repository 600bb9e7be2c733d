"""The reference passback client, kept inside the kit's sandbox.

The reference client (conformance/passback) names what it writes ``canvas-<course>-a<assignment>-s<section>``
(line items) and ``...-u<user>`` (results) and takes no prefix, so on its own it would write objects the
sandbox cannot recognise as the kit's (sandbox.PREFIX). :class:`SandboxedClient` stands between it and the
target: every ``canvas-...`` id goes out as ``mockic-kit-<run>-<tag>-canvas-...`` and comes back without the
prefix, so the client works unchanged on its own ids; each write is checked to stay in the sandbox class,
under a kit title, on a kit id (else :class:`OutsideTheSandbox`), and registered with the sandbox, which
deletes it at the end of the session if :meth:`SandboxedClient.cleanup` has not already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from conformance.client_errors import NotFound, OneRosterError
from conformance.sandbox import PREFIX, TITLE_PREFIX, Sandbox

if TYPE_CHECKING:
    from conformance.client import OneRosterClient

LOCAL_PREFIX = "canvas-"  # the reference client's ids (docs/passback.md, "Plan, then push")
WRITES = frozenset({"put", "delete", "delete_line_item", "delete_result"})  # the generic writes: never used


class OutsideTheSandbox(AssertionError):
    """The reference client was about to write something the kit may not: a defect of the client."""


class SandboxedClient:
    """What the reference client is given instead of the target's OneRosterClient (same methods)."""

    def __init__(self, client: OneRosterClient, sandbox: Sandbox, tag: str) -> None:
        self._client = client
        self._sandbox = sandbox
        self.prefix = f"{PREFIX}{sandbox.run_id}-{tag}-"
        self.puts: list[str] = []  # "lineItems/<local id>" / "results/<local id>" of every PUT sent

    def as_client(self) -> OneRosterClient:
        """This object, typed as what ``sync()`` takes (it has every method the client calls)."""
        return cast("OneRosterClient", self)

    # -- ids ------------------------------------------------------------------------------------

    def wire(self, local_id: str) -> str:
        return self.prefix + local_id if local_id.startswith(LOCAL_PREFIX) else local_id

    def local(self, wire_id: str) -> str:
        return wire_id[len(self.prefix):] if wire_id.startswith(self.prefix) else wire_id

    def owns(self, wire_id: str) -> bool:
        return str(wire_id).startswith(self.prefix)

    def _inward(self, item: dict[str, Any]) -> dict[str, Any]:
        """An object as the client expects it back: its own ids without the prefix."""
        item = dict(item)
        item["sourcedId"] = self.local(str(item.get("sourcedId", "")))
        if isinstance(item.get("lineItem"), dict):
            item["lineItem"] = {**item["lineItem"], "sourcedId": self.local(str(item["lineItem"].get("sourcedId")))}
        return item

    # -- what the reference client calls --------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not delegated (and no recursion before __init__ set _client)
            raise AttributeError(name)
        if name in WRITES:
            raise OutsideTheSandbox(f"the passback suite does not let the reference client call {name}()")
        return getattr(self._client, name)  # version, root, stats, start_deadline and the reads

    def class_line_items(self, class_id: object) -> list[dict[str, Any]]:
        return [self._inward(item) for item in self._client.class_line_items(class_id)]

    def get_line_item(self, sourced_id: object) -> dict[str, Any]:
        return self._inward(self._client.get_line_item(self.wire(str(sourced_id))))

    def put_line_item(self, sourced_id: object, line_item: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wire_id = self.wire(str(sourced_id))
        klass = (line_item.get("class") or {}).get("sourcedId")
        title = str(line_item.get("title", ""))
        if not self.owns(wire_id) or klass != self._sandbox.class_id or not title.startswith(TITLE_PREFIX):
            raise OutsideTheSandbox(
                f"the reference passback client was about to PUT lineItems/{wire_id} (title {title!r}, class "
                f"{klass!r}): the kit only writes its own ids ({self.prefix}...), kit titles ({TITLE_PREFIX!r}...) "
                f"in the sandbox class {self._sandbox.class_id!r}")
        self._register("lineItems", wire_id)
        self.puts.append(f"lineItems/{sourced_id}")
        status, answer = self._client.put_line_item(wire_id, {**line_item, "sourcedId": wire_id})
        return status, answer

    def put_result(self, sourced_id: object, result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wire_id = self.wire(str(sourced_id))
        line_item = self.wire(str((result.get("lineItem") or {}).get("sourcedId", "")))
        if not self.owns(wire_id) or not self.owns(line_item):
            raise OutsideTheSandbox(f"the reference passback client was about to PUT results/{wire_id} on line item "
                                    f"{line_item!r}: the kit only writes its own ids ({self.prefix}...)")
        self._register("results", wire_id)
        self.puts.append(f"results/{sourced_id}")
        body = {**result, "sourcedId": wire_id, "lineItem": {**result["lineItem"], "sourcedId": line_item}}
        return self._client.put_result(wire_id, body)

    # -- the sandbox ----------------------------------------------------------------------------

    def _register(self, kind: str, wire_id: str) -> None:
        """Before the PUT leaves: should the answer be lost, the object may exist all the same."""
        created = self._sandbox.created.setdefault(kind, [])
        if wire_id not in created:
            created.append(wire_id)

    def cleanup(self) -> list[str]:
        """Delete every object of this client in the sandbox class (results, then line items); the
        problems met. What is gone is forgotten by the sandbox, so its end-of-session cleanup skips it."""
        client, class_id = self._client, self._sandbox.class_id
        problems = []
        for kind, listing in (("results", client.class_results), ("lineItems", client.class_line_items)):
            try:
                found = [str(item["sourcedId"]) for item in listing(class_id) if self.owns(str(item["sourcedId"]))]
            except OneRosterError as error:
                problems.append(f"listing {kind} of class {class_id}: {error}")
                continue
            for wire_id in found:
                try:
                    client.delete(f"{kind}/{wire_id}")
                except NotFound:
                    pass
                except OneRosterError as error:
                    problems.append(f"DELETE {kind}/{wire_id}: {error}")
        if not problems:
            for kind in ("results", "lineItems"):
                created = self._sandbox.created.get(kind, [])
                created[:] = [i for i in created if not self.owns(i)]
        return problems
